import { registry } from '@mtojs/core';
import { SpokenDigitsData } from './data/spoken-digits.js';
import { WavFolderData } from './data/wav-folder.js';

export * from './wav.js';
export * from './browser.js';
export * from './data/spoken-digits.js';
export * from './data/wav-folder.js';

// Importing the package makes 'audio', 'spoken-digits' and 'wav-folder' available to configs.
registry.register('data', SpokenDigitsData);
registry.register('data', WavFolderData);
