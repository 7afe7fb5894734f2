// Building DOM safely: every piece of data goes in as text (textContent / attributes), never as HTML.

/** el("li", {class: "x", dataset: {testid: "paragraph"}, onclick: f}, child, "text", ...) */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, ...children);
  return node;
}

export function append(node, ...children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

export function byId(id) {
  return document.getElementById(id);
}

/** Show a message in a status line; kind "error" makes it stand out. */
export function say(node, message, kind = "") {
  node.textContent = message;
  node.className = `status ${kind}`.trim();
}

export const fmt = (x, digits = 2) => (typeof x === "number" ? x.toFixed(digits) : "–");
