// mxctl's version: package.json is the only place it is written.
import pkg from '../../package.json' with { type: 'json' };

export const MXCTL_VERSION: string = pkg.version;
