// One requestAnimationFrame per frame for every DOM update: modules queue their work with
// requestFlush(fn); each queued function runs once in the next frame, however often it was queued.

const pending = new Set();
let scheduled = false;
let time = 0;

/** The timestamp of the animation frame being run (performance.now() clock). */
export function frameTime() {
  return time;
}

function run(timestamp) {
  scheduled = false;
  time = timestamp;
  const tasks = Array.from(pending);
  pending.clear();
  for (const task of tasks) {
    try {
      task();
    } catch (err) {
      console.error('Live Assistant: render failed', err);
    }
  }
}

export function requestFlush(task) {
  pending.add(task);
  if (!scheduled) {
    scheduled = true;
    requestAnimationFrame(run);
  }
}
