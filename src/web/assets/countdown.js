// "You can ask for a new code in 22 seconds" counts down by itself. Only words change:
// the server still refuses a request that comes too early, with or without this script.
for (const hint of document.querySelectorAll('[data-countdown-seconds]')) {
  const endsAt = Date.now() + Number(hint.dataset.countdownSeconds) * 1000;
  const tick = () => {
    const seconds = Math.ceil((endsAt - Date.now()) / 1000);
    if (seconds <= 0) {
      hint.textContent = "Didn't get it? A new code replaces the old one.";
      return;
    }
    hint.textContent = `Didn't get it? You can ask for a new code in ${seconds} ${seconds === 1 ? 'second' : 'seconds'}.`;
    // Wake at the next whole second before the end, so the number changes on time.
    setTimeout(tick, (endsAt - Date.now()) % 1000 || 1000);
  };
  tick();
}
