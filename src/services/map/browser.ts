/**
 * What the map page runs in the browser, served as /map/assets/map.js and map.css. Kept as text
 * in a module so the same file works from src/ and from the built dist/ with no copy step; the
 * browser test (test/services/map.browser.test.ts) runs it for real in Chromium.
 *
 * The page reads its settings from data-* attributes (no inline script: the CSP forbids it),
 * fetches the places API, and puts one marker per place. Names only ever become text nodes
 * (textContent, title/alt properties), never HTML, so a name is shown exactly as written.
 */

export const MAP_SCRIPT = `'use strict';
(() => {
  const root = document.getElementById('map');
  const status = document.getElementById('status');
  const say = (text) => {
    status.textContent = text;
    status.hidden = text === '';
  };
  const map = L.map(root, { worldCopyJump: true }).setView([20, 0], 2);
  if (root.dataset.tiles) {
    // Tiles that fail to load (offline, blocked) would leave a grey page: say so once instead.
    // Markers do not depend on tiles, so the places still show.
    const tilesNotice = document.getElementById('tiles-notice');
    L.tileLayer(root.dataset.tiles, {
      maxZoom: 19,
      attribution:
        root.dataset.attribution === 'osm'
          ? '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
          : '',
    })
      .on('tileerror', () => {
        if (!tilesNotice.hidden) return;
        tilesNotice.hidden = false;
        root.dataset.tiles = 'failed';
      })
      .on('tileload', () => {
        tilesNotice.hidden = true;
      })
      .addTo(map);
  }
  const popupFor = (name) => {
    const element = document.createElement('div');
    element.className = 'kw-place-name';
    element.textContent = name;
    return element;
  };
  const show = (collection) => {
    const markers = [];
    for (const feature of collection.features || []) {
      const [longitude, latitude] = feature.geometry.coordinates;
      const name = String(feature.properties.name);
      const marker = L.marker([latitude, longitude], { title: name, alt: name, riseOnHover: true });
      markers.push(marker.bindPopup(popupFor(name)).addTo(map));
    }
    if (markers.length > 0) {
      map.fitBounds(L.featureGroup(markers).getBounds(), { padding: [40, 40], maxZoom: 10 });
    }
    root.dataset.count = String(markers.length);
    root.dataset.state = 'ready';
    say(markers.length === 0 ? 'No places yet.' : '');
  };
  fetch(root.dataset.placesUrl, { headers: { accept: 'application/geo+json' } })
    .then((response) => {
      if (response.status === 401 || response.status === 403) {
        throw new Error('The places are not public: this map needs places without read roles.');
      }
      if (!response.ok) throw new Error('Could not load the places (HTTP ' + response.status + ').');
      return response.json();
    })
    .then(show)
    .catch((error) => {
      root.dataset.state = 'error';
      say(error.message);
    });
})();
`;

export const MAP_STYLES = `html, body { height: 100%; margin: 0; }
#map { position: absolute; inset: 0; }
#status {
  position: absolute; z-index: 1000; top: 10px; left: 56px; margin: 0; padding: 6px 10px;
  background: #fff; border-radius: 4px; box-shadow: 0 1px 4px rgba(0, 0, 0, 0.3);
  font: 14px/1.4 system-ui, sans-serif;
}
#status[hidden] { display: none; }
#tiles-notice {
  position: absolute; z-index: 1000; bottom: 24px; left: 50%; transform: translateX(-50%); margin: 0;
  max-width: calc(100% - 32px); padding: 8px 14px; background: #fffbeb; color: #92400e;
  border: 1px solid #fcd34d; border-radius: 6px; box-shadow: 0 1px 4px rgba(0, 0, 0, 0.2);
  font: 14px/1.4 system-ui, sans-serif;
}
#tiles-notice[hidden] { display: none; }
#map { background: repeating-linear-gradient(45deg, #eef2f7 0 12px, #e5eaf1 12px 24px); }
.kw-place-name { font: 14px/1.4 system-ui, sans-serif; }
`;
