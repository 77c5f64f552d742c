// Give the focus back to whatever opened a dialog once it closes. Radix does this only for a
// dialog opened by its own Trigger; the portal's dialogs are opened from state (one dialog,
// many buttons), so without this the focus would drop to <body> and a keyboard user would
// start again from the top of the page.
(() => {
  const DIALOG = '[role="dialog"], [role="alertdialog"]';
  let opener = null;
  let dialogOpen = false;
  document.addEventListener("focusin", (event) => {
    if (!event.target.closest(DIALOG)) opener = event.target;
  });
  new MutationObserver(() => {
    const openNow = document.querySelector(DIALOG) !== null;
    const lost = !document.activeElement || document.activeElement === document.body;
    if (dialogOpen && !openNow && lost && opener && opener.isConnected) opener.focus();
    dialogOpen = openNow;
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
