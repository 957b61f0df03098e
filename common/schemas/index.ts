// The single source of every type that crosses a workflow boundary. The CLI, workflows and
// activities import from here; each concern has its own file.
export * from './names';
export * from './host';
export * from './tests';
export * from './run';
export * from './claim-deadline';
export * from './config-vars';
export * from './devices';
export * from './vm';
export * from './batch';
export * from './pull';
export * from './matrix';
export * from './results';
export * from './kernel-source';
export * from './bisect';
export * from './confirm';
