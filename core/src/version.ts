/** The version of @mtojs/core (kept equal to package.json by a test); exported encoders record it. */
export const MTOJS_VERSION = '0.1.0';
