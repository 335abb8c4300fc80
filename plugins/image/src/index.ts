import { registry } from '@mtojs/core';
import { MnistData } from './data/mnist.js';
import { IdxData } from './data/idx.js';
import { ImageFolderData } from './data/image-folder.js';

export * from './browser.js';
export * from './data/mnist.js';
export * from './data/idx.js';
export * from './data/image-folder.js';

// The Node entry: the browser entry (the 'image' adapter) plus the file data sources; importing
// it makes 'image', 'mnist', 'idx' and 'image-folder' available to configs.
registry.register('data', MnistData);
registry.register('data', IdxData);
registry.register('data', ImageFolderData);
