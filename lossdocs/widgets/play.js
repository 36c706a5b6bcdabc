// Play and pause for a widget's time scrubber (descent steps, training epochs): while
// the toggle is down, advance the scrubber one notch every `interval` ms, and release
// the toggle at the end; play pressed at the end starts again from the start. The
// scrubber's own callback draws each notch: this only moves it.
// Named args: play (the Toggle), sl_step (the step Slider), labels ([play, pause]),
// interval (ms).

const timers = window.lossdocsPlayTimers ?? (window.lossdocsPlayTimers = new Map())
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
