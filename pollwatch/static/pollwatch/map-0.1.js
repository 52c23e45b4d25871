// Zoom and pan for the maps drawn by pollwatch/lib/svgmap.py: it only changes the SVG's
// viewBox. The wheel (once the map is clicked, or with Ctrl) or a pinch zooms, a drag pans;
// so do the +, − and reset buttons, and on the focused map + and −, the arrow keys and 0.
// Names, points and clusters keep their size on screen; a name shows only where it fits
// at the current zoom. A map refreshed by htmx keeps its view (maps are told apart by
// their figure's data-map).
(function () {
  "use strict";

  const MAX_ZOOM = 16;
  const views = new Map(); // data-map → {x, y, w, h}
  let dragging = 0;

  function setUp(figure) {
    if (figure.dataset.zoomReady) return;
    const svg = figure.querySelector("svg.map");
    if (!svg) return;
    figure.dataset.zoomReady = "1";
    const base = svg.viewBox.baseVal;
    const home = { x: base.x, y: base.y, w: base.width, h: base.height };
    const name = figure.dataset.map || "map";
    const controls = figure.querySelector(".map-controls");
    if (controls) controls.hidden = false;
    figure.classList.add("zoomable");

    function show(view) {
      const w = Math.min(home.w, Math.max(home.w / MAX_ZOOM, view.w));
      const h = (w * home.h) / home.w;
      const x = Math.min(home.x + home.w - w, Math.max(home.x, view.x));
      const y = Math.min(home.y + home.h - h, Math.max(home.y, view.y));
      svg.setAttribute("viewBox", `${x} ${y} ${w} ${h}`);
      views.set(name, { x, y, w, h });
      const zoom = home.w / w;
      // Names keep their size on screen whatever the zoom and the map's width on the
      // page: a screen pixel is `unit` map units.
      const shown = svg.getBoundingClientRect().width || home.w;
      const unit = w / shown;
      const labels = svg.querySelector(".map-labels");
      if (labels) {
        labels.setAttribute("font-size", String(12 * unit));
        labels.setAttribute("stroke-width", String(3 * unit));
        labels.querySelectorAll("text").forEach((text) => {
          const fits = Number(text.dataset.width) * unit <= Number(text.dataset.room);
          text.setAttribute("visibility", fits ? "visible" : "hidden");
        });
      }
      // Points and clusters too, so that a cluster's number stays readable on a phone;
      // zooming in spreads them apart.
      const size = unit;
      svg.querySelectorAll("[data-at]").forEach((mark) => {
        mark.setAttribute("transform", `translate(${mark.dataset.at}) scale(${size})`);
      });
      svg.querySelectorAll("circle[data-r]").forEach((circle) => {
        circle.setAttribute("r", String(Number(circle.dataset.r) * size));
      });
      figure.dataset.zoom = zoom.toFixed(2);
    }

    function current() {
      return views.get(name) || home;
    }

    // Zoom by factor about a point in map units (the middle by default).
    function zoomBy(factor, cx, cy) {
      const v = current();
      const px = cx === undefined ? v.x + v.w / 2 : cx;
      const py = cy === undefined ? v.y + v.h / 2 : cy;
      const w = v.w / factor;
      const h = v.h / factor;
      show({ x: px - ((px - v.x) * w) / v.w, y: py - ((py - v.y) * h) / v.h, w, h });
    }

    function panBy(dx, dy) {
      const v = current();
      show({ x: v.x + dx, y: v.y + dy, w: v.w, h: v.h });
    }

    // A point of the screen in map units.
    function toMap(clientX, clientY) {
      const box = svg.getBoundingClientRect();
      const v = current();
      return {
        x: v.x + ((clientX - box.left) * v.w) / box.width,
        y: v.y + ((clientY - box.top) * v.h) / box.height,
      };
    }

    if (controls) {
      controls.addEventListener("click", (event) => {
        const button = event.target.closest("button[data-zoom]");
        if (!button) return;
        const what = button.dataset.zoom;
        if (what === "in") zoomBy(1.5);
        else if (what === "out") zoomBy(1 / 1.5);
        else show(home);
      });
    }

    svg.addEventListener(
      "wheel",
      (event) => {
        // The wheel scrolls the page past the map until the map is clicked (or focused),
        // or with Ctrl held (a touchpad's pinch comes as Ctrl + wheel).
        if (!(event.ctrlKey || event.metaKey || document.activeElement === svg)) return;
        event.preventDefault();
        const at = toMap(event.clientX, event.clientY);
        zoomBy(event.deltaY < 0 ? 1.25 : 1 / 1.25, at.x, at.y);
      },
      { passive: false },
    );

    svg.addEventListener("keydown", (event) => {
      const v = current();
      const step = v.w / 10;
      const keys = {
        "+": () => zoomBy(1.5),
        "=": () => zoomBy(1.5),
        "-": () => zoomBy(1 / 1.5),
        0: () => show(home),
        ArrowLeft: () => panBy(-step, 0),
        ArrowRight: () => panBy(step, 0),
        ArrowUp: () => panBy(0, -step),
        ArrowDown: () => panBy(0, step),
      };
      const act = keys[event.key];
      if (act) {
        event.preventDefault();
        act();
      }
    });

    // Drag with one pointer to pan; pinch with two to zoom.
    const pointers = new Map();
    let last = null;
    let spread = 0;
    svg.addEventListener("pointerdown", (event) => {
      pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
      dragging += 1;
      last = { x: event.clientX, y: event.clientY };
      if (pointers.size === 2) {
        const [a, b] = Array.from(pointers.values());
        spread = Math.hypot(a.x - b.x, a.y - b.y);
      }
    });
    svg.addEventListener("pointermove", (event) => {
      if (!pointers.has(event.pointerId)) return;
      // Captured only once it moves, so that a click on a point's link stays a click.
      if (!svg.hasPointerCapture(event.pointerId)) svg.setPointerCapture(event.pointerId);
      pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
      if (pointers.size === 2) {
        const [a, b] = Array.from(pointers.values());
        const now = Math.hypot(a.x - b.x, a.y - b.y);
        if (spread > 0 && now > 0) {
          const at = toMap((a.x + b.x) / 2, (a.y + b.y) / 2);
          zoomBy(now / spread, at.x, at.y);
        }
        spread = now;
        return;
      }
      const box = svg.getBoundingClientRect();
      const v = current();
      panBy(((last.x - event.clientX) * v.w) / box.width, ((last.y - event.clientY) * v.h) / box.height);
      last = { x: event.clientX, y: event.clientY };
    });
    function release(event) {
      if (!pointers.delete(event.pointerId)) return;
      dragging = Math.max(0, dragging - 1);
      spread = 0;
      const rest = Array.from(pointers.values());
      last = rest.length ? rest[0] : null;
    }
    svg.addEventListener("pointerup", release);
    svg.addEventListener("pointercancel", release);

    show(current());
    if (window.ResizeObserver) new ResizeObserver(() => show(current())).observe(svg);
  }

  function setUpAll(root) {
    (root || document).querySelectorAll("figure.map-figure").forEach(setUp);
  }

  // A refresh while someone drags the map would pull it from under their pointer: it waits.
  document.addEventListener("htmx:beforeRequest", (event) => {
    if (dragging > 0) event.preventDefault();
  });
  // A press on the map let go outside it (before it moved) must not hold refreshes back.
  window.addEventListener("pointerup", (event) => {
    if (event.isPrimary) dragging = 0;
  });
  document.addEventListener("htmx:load", (event) => {
    const root = event.detail.elt;
    if (root.matches && root.matches("figure.map-figure")) setUp(root);
    else if (root.querySelectorAll) setUpAll(root);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => setUpAll());
  } else {
    setUpAll();
  }
})();
