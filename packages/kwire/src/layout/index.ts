// The layout API in one place, for packages/kwire/src/index.ts to re-export (the variable-field,
// pointer-width and union additions are not re-exported there yet: add `export * from './layout/index.js'`
// or the names below when merging).
export { defineLayout, compareLayouts, layoutHash, bytes, cstring, array, utf8, utf16, hasHeap, isExtendedLayout } from './layout.js';
export type {
  Layout, LayoutSpec, Field, FieldSpec, FieldType, FieldKind, ScalarType, IntType, BigEndianType, TailSpec,
  StringType, VarLength, VarField, Variant, VariantSpec, Union, UnionSpec,
} from './layout.js';
export { layoutFromBtf, parseBtf, elfSection } from './btf.js';
export type { BtfImportOptions, BtfType } from './btf.js';
export { generateAssembly } from './gen-assembly.js';
export { generateTypes, layoutSpec } from './gen-types.js';
export { generateC } from './gen-c.js';
export { compileDecoders, cacheDirectory } from './compile.js';
export { defineDecoder, USER_SOURCE_ID } from './define-decoder.js';
export type { DefineDecoderOptions, LayoutDecoder } from './define-decoder.js';
export { LayoutBatch } from './layout-batch.js';
export { sidString, utf8Text, utf16Text } from './values.js';
