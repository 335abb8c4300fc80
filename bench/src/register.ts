import { registry } from '@mtojs/core';
import { SyntheticImages } from './synthetic-images.js';

// Importing the bench package makes data 'synthetic-images' available to its shape configs.
registry.register('data', SyntheticImages);
