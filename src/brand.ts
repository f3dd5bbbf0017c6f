/**
 * Keyward's logo, one SVG used by the landing page, the API reference and the browser apps:
 * a key whose bow is a shield, in the brand's indigo.
 */

/** The brand colour (indigo 600). */
export const BRAND = '#4f46e5';

/** The logo as standalone SVG markup (no script, no external reference). */
export const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64" role="img" aria-label="Keyward">
<rect width="64" height="64" rx="14" fill="${BRAND}"/>
<path d="M24 12l14 5v10c0 9-6 15-14 18-8-3-14-9-14-18V17z" fill="#fff"/>
<circle cx="24" cy="27" r="5" fill="${BRAND}"/>
<path d="M31 36l6 6h6v5h5v5h6v-7L42 33" fill="none" stroke="#fff" stroke-width="4" stroke-linejoin="round" stroke-linecap="round"/>
</svg>`;

/** The logo beside the name, for a top bar on a dark background (the API reference's). */
export const WORDMARK_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 260 64" width="260" height="64" role="img" aria-label="Keyward API reference">
<rect width="64" height="64" rx="14" fill="${BRAND}"/>
<path d="M24 12l14 5v10c0 9-6 15-14 18-8-3-14-9-14-18V17z" fill="#fff"/>
<circle cx="24" cy="27" r="5" fill="${BRAND}"/>
<path d="M31 36l6 6h6v5h5v5h6v-7L42 33" fill="none" stroke="#fff" stroke-width="4" stroke-linejoin="round" stroke-linecap="round"/>
<text x="80" y="43" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="30" font-weight="650" fill="#fff">Keyward</text>
</svg>`;
