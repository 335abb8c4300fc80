import { registry } from '@mtojs/core';
import { MaeModel } from './models/mae.js';
import { SimMimModel } from './models/simmim.js';

// Importing the package makes 'mae' and 'simmim' available to configs.
registry.register('model', MaeModel);
registry.register('model', SimMimModel);

export { MaeModel, type MaeOptions, type MaeOptionsInput } from './models/mae.js';
export { SimMimModel, type SimMimOptions, type SimMimOptionsInput, type TargetsOnlyStem } from './models/simmim.js';
export { TokenEncoder } from './models/token-encoder.js';
export { poolingSchema, encoderOptionsShape, checkEncoderOptions, checkModelSize, stackParameters, MODEL_LIMITS, type Pooling, type EncoderOptions } from './models/options.js';

export { Linear } from './layers/linear.js';
export { LayerNorm, LAYER_NORM_EPSILON } from './layers/layer-norm.js';
export { gelu } from './layers/gelu.js';
export { Mlp } from './layers/mlp.js';
export { MultiHeadSelfAttention } from './layers/attention.js';
export { AttentionScope, PADDING_LOGIT_BIAS, type ModuleTokens } from './layers/attention-scope.js';
export { TransformerBlock } from './layers/block.js';
export { TransformerStack, type StackOptions } from './layers/stack.js';
export { scoped, disposeVariables, type Layer } from './layers/layer.js';

export { sincos1d, sincos2d, positionalEncoding } from './positional/sincos.js';
export { fixedPositions } from './positional/fixed-positions.js';

export { gatherTokens, gatherTokensFlat, gatherTokensOneHot } from './tokens/gather-tokens.js';
export { prependCls, prependZeroColumn, splitCls } from './tokens/cls.js';
export { meanPool } from './tokens/pooling.js';
export { repeatToken } from './tokens/repeat-token.js';
