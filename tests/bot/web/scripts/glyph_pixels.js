/* Each character drawn alone on a canvas in the page's own font: its pixels' opacity as one
   string, so that two characters drawn alike (as the same box) give the same string. */
async (characters) => {
  await document.fonts.ready;
  const family = getComputedStyle(document.body).fontFamily;
  await document.fonts.load(`48px ${family}`, characters.join(""));
  const canvas = document.createElement("canvas");
  canvas.width = 64;
  canvas.height = 64;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.font = `48px ${family}`;
  context.textBaseline = "middle";
  return characters.map((character) => {
    context.clearRect(0, 0, 64, 64);
    context.fillText(character, 8, 32);
    const pixels = context.getImageData(0, 0, 64, 64).data;
    return Array.from(pixels.filter((_, index) => index % 4 === 3)).join(",");
  });
}
