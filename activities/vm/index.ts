// The VM layer's public surface.
export { Vm } from './vm';
export { probeKvm } from './kvm-probe';
export { vmReleasers } from './supervisor';
