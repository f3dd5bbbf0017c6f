/** Keyward's logo (the same drawing as src/ui/logo.ts) and the brand block of the sidebar. */

/** The logo mark. */
export function Logo() {
  return (
    <svg viewBox="0 0 64 64" aria-hidden="true">
      <rect width="64" height="64" rx="14" fill="#4f46e5" />
      <path d="M24 12l14 5v10c0 9-6 15-14 18-8-3-14-9-14-18V17z" fill="#fff" />
      <circle cx="24" cy="27" r="5" fill="#4f46e5" />
      <path
        d="M31 36l6 6h6v5h5v5h6v-7L42 33"
        fill="none"
        stroke="#fff"
        stroke-width="4"
        stroke-linejoin="round"
        stroke-linecap="round"
      />
    </svg>
  );
}

/** Logo, name and what this app is. */
export function Brand({ sub }: { sub: string }) {
  return (
    <div class="brand">
      <Logo />
      <div>
        Keyward
        <small>{sub}</small>
      </div>
    </div>
  );
}
