import { registry } from '@mtojs/core';
import { AudioAdapter } from './audio-adapter.js';
import { SpokenDigitsData } from './data/spoken-digits.js';
import { WavFolderData } from './data/wav-folder.js';

export * from './wav.js';
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
export * from './data/spoken-digits.js';
export * from './data/wav-folder.js';

// Importing the package makes 'audio', 'spoken-digits' and 'wav-folder' available to configs.
registry.register('adapter', AudioAdapter);
registry.register('data', SpokenDigitsData);
registry.register('data', WavFolderData);
