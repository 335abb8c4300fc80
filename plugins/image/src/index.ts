import { registry } from '@mtojs/core';
import { ImageAdapter } from './image-adapter.js';
import { MnistData } from './data/mnist.js';
import { IdxData } from './data/idx.js';
import { ImageFolderData } from './data/image-folder.js';

export * from './patches.js';
export * from './pixels.js';
export * from './raw-images.js';
export * from './augment.js';
export * from './recon-sheet.js';
export * from './image-adapter.js';
export * from './data/in-memory.js';
export * from './data/mnist.js';
export * from './data/idx.js';
export * from './data/image-folder.js';

// Importing the package makes 'image', 'mnist', 'idx' and 'image-folder' available to configs.
registry.register('adapter', ImageAdapter);
registry.register('data', MnistData);
registry.register('data', IdxData);
registry.register('data', ImageFolderData);
