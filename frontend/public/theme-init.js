// Applies the remembered theme before first paint (no flash). A file, not an inline script, so a strict CSP works.
try {
  var t = localStorage.getItem('jobmon-theme');
  if (t === 'dark' || t === 'light') document.documentElement.dataset.theme = t;
} catch (e) {}
