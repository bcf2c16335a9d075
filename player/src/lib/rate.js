// Smoothed transfer rate (bytes/s) for progress display (pure, unit tested).
// Exponentially weighted with a time constant, so irregular sampling works.
export class RateMeter {
  constructor(timeConstantMs = 5000) {
    this.tau = timeConstantMs;
    this.rate = 0;
    this.lastBytes = null;
    this.lastTime = null;
    this.samples = 0;
  }

  /** Feed the cumulative byte count at time now (ms). Returns the smoothed rate. */
  update(bytes, now) {
    if (this.lastTime === null) {
      this.lastBytes = bytes;
      this.lastTime = now;
      return this.rate;
    }
    const dt = now - this.lastTime;
    if (dt < 200) return this.rate; // too short to say anything
    const inst = Math.max(0, bytes - this.lastBytes) / (dt / 1000);
    const alpha = this.samples === 0 ? 1 : 1 - Math.exp(-dt / this.tau);
    this.rate = this.rate + alpha * (inst - this.rate);
    this.samples++;
    this.lastBytes = bytes;
    this.lastTime = now;
    return this.rate;
  }

  /** Forget the history (after a pause) but keep the last estimate. */
  reset() {
    this.lastBytes = null;
    this.lastTime = null;
  }
}
