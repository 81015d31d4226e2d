// Tables become cards on a phone (see the h5 block of baoxue.css): each cell is given its column's
// heading as data-label. Tables inside .table-wrap, with class "no-cards", or with more than one heading
// row keep their grid (and scroll inside themselves). A cell that already has data-label keeps it.
(function () {
  function label(table) {
    if (table.closest(".table-wrap") || table.classList.contains("no-cards")) return;
    var head = table.tHead;
    if (!head || head.rows.length !== 1) return;
    var names = [];
    Array.prototype.forEach.call(head.rows[0].cells, function (th) {
      for (var i = 0; i < (th.colSpan || 1); i++) names.push(th.textContent.replace(/\s+/g, " ").trim());
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (tr) {
        var column = 0;
        Array.prototype.forEach.call(tr.cells, function (cell) {
          if (cell.tagName === "TD" && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", names[column] || "");
          column += cell.colSpan || 1;
        });
      });
    });
  }
  function all() { Array.prototype.forEach.call(document.querySelectorAll("table"), label); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", all); else all();
})();
