/**
 * How often an activity's heartbeats reach the server at most. A cancellation reaches an activity
 * in a heartbeat's reply: the SDK's default throttle (60 s with a 90 s heartbeat timeout) made a
 * cancelled run hold its VM and devices up to a minute. Every worker that runs a batch uses it.
 */
export const MAX_HEARTBEAT_THROTTLE = '3s';
