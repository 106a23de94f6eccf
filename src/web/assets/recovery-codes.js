// Copy and Print for the recovery codes page. Without JavaScript the buttons stay
// hidden; the codes can still be selected, downloaded or printed from the browser menu.
const status = document.getElementById('copy-status');
for (const button of document.querySelectorAll('[data-copy]')) {
  const list = document.getElementById(button.dataset.copy);
  if (!list || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener('click', async () => {
    const codes = [...list.querySelectorAll('code')].map((code) => code.textContent).join('\n');
    try {
      await navigator.clipboard.writeText(codes + '\n');
      if (status) status.textContent = 'Copied. Paste them into your password manager.';
    } catch {
      if (status) status.textContent = 'Your browser did not allow copying. Select the codes and copy them, or use Download.';
    }
  });
}
for (const button of document.querySelectorAll('[data-print]')) {
  button.hidden = false;
  button.addEventListener('click', () => window.print());
}
