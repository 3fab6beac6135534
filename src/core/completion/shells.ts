// The shells `mxctl completion` writes scripts for (the command table and the run both need them).
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];
