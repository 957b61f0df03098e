// The VM layer's public surface.
export { Vm, type ExecOptions, type ExecResult, type VmDeps } from './vm';
export { probeKvm, runKvmProbe } from './kvm-probe';
export { vmReleasers, releaseVmEntry, VM_ID_ENV } from './supervisor';
