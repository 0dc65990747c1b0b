/** The MathML elements KaTeX emits (its `htmlAndMathml` output), kept out of Vue's component resolution. */
export const mathmlTags = new Set([
  'math', 'annotation', 'semantics', 'mrow', 'mi', 'mn', 'mo', 'ms', 'mspace', 'mtext', 'menclose',
  'merror', 'mfenced', 'mfrac', 'mpadded', 'mphantom', 'mroot', 'msqrt', 'mstyle', 'msub', 'msup',
  'msubsup', 'mover', 'munder', 'munderover', 'mmultiscripts', 'mprescripts', 'none', 'mtable',
  'mtr', 'mtd', 'mlabeledtr', 'maligngroup', 'malignmark', 'maction', 'mglyph', 'semantics',
])
