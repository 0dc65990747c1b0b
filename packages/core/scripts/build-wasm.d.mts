// Types of build-wasm.mjs, for the test that checks the committed modules are up to date.
export declare const modules: readonly string[]
export declare function assemble(name: string): Promise<string>
export declare function outputPath(name: string): string
