import type { MetricMeter } from '@temporalio/common';
import type { Ledger } from '../activities/ledger/ledger';

// fsto's own metrics, exported through the Temporal runtime's meter: the worker's Prometheus
// endpoint serves them next to the SDK's (fsto worker --metrics ADDR).

export interface FstoMetrics {
  vmBooted(seconds: number, accel: 'kvm' | 'tcg'): void;
  testFinished(verdict: string): void;
  devicesHeld(count: number): void;
  reaperReleased(count: number): void;
}

export function createMetrics(meter: MetricMeter): FstoMetrics {
  const boots = meter.createCounter('fsto_vm_boots', 'boots', 'VMs booted');
  const bootSeconds = meter.createHistogram(
    'fsto_vm_boot_seconds',
    'float',
    's',
    'time from start to guest agent ready',
  );
  const tests = meter.createCounter('fsto_tests', 'tests', 'tests finished, by verdict');
  const devices = meter.createGauge(
    'fsto_devices_held',
    'int',
    'devices',
    'loop devices held by runs on this host',
  );
  const reaped = meter.createCounter('fsto_reaper_released', 'resources', 'resources released by the reaper');
  return {
    vmBooted: (s, accel) => {
      boots.add(1, { accel });
      bootSeconds.record(s, { accel });
    },
    testFinished: (verdict) => tests.add(1, { verdict }),
    devicesHeld: (n) => devices.set(n),
    reaperReleased: (n) => n > 0 && reaped.add(n),
  };
}

/** Loop devices the ledger holds right now, over all runs. */
export async function countHeldDevices(ledger: Ledger): Promise<number> {
  let n = 0;
  for (const run of await ledger.runs())
    n += (await ledger.list(run)).filter((e) => e.kind === 'loop').length;
  return n;
}
