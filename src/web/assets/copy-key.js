// "Copy the key" on the authenticator set-up page. Without JavaScript (or a clipboard)
// the button stays hidden and the key can be selected and copied by hand. The key is
// copied without its spaces: some apps refuse them.
const status = document.getElementById('copy-key-status');
for (const button of document.querySelectorAll('[data-copy-key]')) {
  const key = document.getElementById(button.dataset.copyKey);
  if (!key || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(key.textContent.replace(/\s+/g, ''));
      if (status) status.textContent = 'Copied. Paste it into your authenticator app.';
    } catch {
      if (status) status.textContent = 'Your browser did not allow copying. Select the key and copy it.';
    }
  });
}
