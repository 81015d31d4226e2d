// The little the pages need from script; everything works without it.
document.addEventListener("click", function (e) {
  if (e.target.closest("[data-print]")) { window.print(); }
});
