// The fixed-split helpers live in core (shared with the image and audio sources).
export { interleaveByClass, pickedEvenly } from '@mtojs/core';
