// The browser entry (`@mtojs/audio` under the `browser` condition): the audio adapter (log-mel
// patches), resampling and augmentation, no file reading. Importing it makes the 'audio' adapter available.
import { registry } from '@mtojs/core';
import { AudioAdapter } from './audio-adapter.js';

export * from './resample.js';
export * from './raw-audio.js';
export * from './features/mel-scale.js';
export * from './features/mel-filterbank.js';
export * from './features/log-mel.js';
export * from './spectrogram-patches.js';
export * from './recon-sheet.js';
export * from './augment.js';
export * from './audio-adapter.js';
export * from './data/in-memory-audio.js';

registry.register('adapter', AudioAdapter);
