export { BasicBlock, ResNet, resnet18, type ResNetOptions } from './resnet.js'
export { DecoderBlock, TransformerLM, type TransformerLMOptions } from './transformer.js'
