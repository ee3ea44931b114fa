/* Every visible control whose text does not fit it: a menu narrower than its longest choice, a
   placeholder wider than its box, a label, button or link whose text overflows, or anything
   beyond the screen's edge. */
() => {
  const canvas = document.createElement("canvas").getContext("2d");
  const clipped = [];
  const name = (element) => `${element.tagName.toLowerCase()}[${element.name || element.className
    || element.textContent.trim().slice(0, 20)}]`;
  const controls = "select, input, textarea, button, a, summary, label, .chip span, .stat-value";
  for (const element of document.querySelectorAll(controls)) {
    if (element.offsetParent === null || element.closest(".visually-hidden")) continue;
    const box = element.getBoundingClientRect();
    if (box.width === 0) continue;
    const style = getComputedStyle(element);
    const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    if (box.right > window.innerWidth + 1 || box.left < -1) {
      clipped.push(`${name(element)} leaves the screen`);
    } else if (element.tagName === "SELECT") {
      canvas.font = style.font;
      const widest = Math.max(...[...element.options].map((o) => canvas.measureText(o.text).width));
      // The arrow takes about 1.4em of the box besides the padding.
      if (widest + padding + 1.4 * parseFloat(style.fontSize) > box.width) {
        clipped.push(`${name(element)}: ${Math.round(widest)} px of text in ${Math.round(box.width)} px`);
      }
    } else if (element.tagName === "INPUT" && element.placeholder) {
      canvas.font = style.font;
      if (canvas.measureText(element.placeholder).width + padding > element.clientWidth + 1) {
        clipped.push(`${name(element)}: placeholder "${element.placeholder}" is cut`);
      }
    } else if (element.scrollWidth > element.clientWidth + 1 && element.clientWidth > 0) {
      clipped.push(`${name(element)}: ${element.scrollWidth} px of content in ${element.clientWidth} px`);
    }
  }
  return clipped;
}
