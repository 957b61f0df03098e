// Everything Temporal bundles for the workflow sandbox is exported from here.
export { fstestsRun } from './run';
export { fstestsMatrix } from './matrix';
export { fstestsCell } from './cell';
export { fstestsBisect } from './bisect';
