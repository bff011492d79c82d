package chrome

// htmlCheckJS is a JavaScript function listing what makes a page invalid
// HTML, or unusable, in ways axe-core does not flag: a form with an empty
// action attribute (the HTML standard forbids action=""; leave the
// attribute out to post to the page itself), an id used twice, a label
// naming no element, and a form field no label names. Check runs it on
// every page it checks; each problem fails the test.
const htmlCheckJS = `() => {
  const p = [];
  document.querySelectorAll("form[action]").forEach(f => {
    if (f.getAttribute("action").trim() === "") p.push("a form has an empty action attribute");
  });
  const seen = new Set(), twice = new Set();
  document.querySelectorAll("[id]").forEach(e => { if (seen.has(e.id)) twice.add(e.id); seen.add(e.id); });
  twice.forEach(id => p.push("id " + JSON.stringify(id) + " is used more than once"));
  document.querySelectorAll("label[for]").forEach(l => {
    if (!document.getElementById(l.htmlFor)) p.push("label for " + JSON.stringify(l.htmlFor) + " names no element");
  });
  document.querySelectorAll("input, select, textarea").forEach(e => {
    const type = (e.getAttribute("type") || "").toLowerCase();
    if (["hidden", "submit", "button", "reset", "image"].includes(type)) return;
    if ((e.labels && e.labels.length) || e.getAttribute("aria-label") || e.getAttribute("aria-labelledby")) return;
    p.push("a " + e.tagName.toLowerCase() + (e.name ? " named " + JSON.stringify(e.name) : "") + " has no label");
  });
  return p;
}`
