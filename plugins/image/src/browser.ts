// The browser entry (`@mtojs/image` under the `browser` condition): the image adapter and what it
// needs, no file data sources. Importing it makes the 'image' adapter available to the registry.
import { registry } from '@mtojs/core';
import { ImageAdapter } from './image-adapter.js';

export * from './patches.js';
export * from './pixels.js';
export * from './raw-images.js';
export * from './augment.js';
export * from './recon-sheet.js';
export * from './image-adapter.js';
export * from './data/in-memory.js';

registry.register('adapter', ImageAdapter);
