// Devices of a run: specs and profiles, the rules between devices, the plan and what is held.
export * from './device-spec';
export * from './device-set';
export * from './device-plan';
