// Play and pause for the descent widget's step scrubber: while the toggle is down,
// advance the scrubber one step every `interval` ms, and release the toggle at the
// last step; play pressed at the last step starts again from step 0. The scrubber's
// own callback draws each step: this only moves it.
// Named args: play (the Toggle), sl_step (the step Slider), labels ([play, pause]),
// interval (ms).

const timers = window.lossdocsDescentTimers ?? (window.lossdocsDescentTimers = new Map())
const running = timers.get(play.id)
if (running !== undefined) {
  clearInterval(running)
  timers.delete(play.id)
}
play.label = play.active ? labels[1] : labels[0]
if (play.active) {
  if (sl_step.value >= sl_step.end) sl_step.value = sl_step.start
  timers.set(play.id, setInterval(() => {
    if (sl_step.value >= sl_step.end) {
      play.active = false  // calls this callback again, which clears the timer
    } else {
      sl_step.value = sl_step.value + 1
    }
  }, interval))
}
