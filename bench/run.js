#!/usr/bin/env node
// Entry point for `npm run bench`. The benchmark scenarios, baselines and ratio table arrive
// with the performance issue; until then this says so and exits cleanly.
console.log('keyward bench: no scenarios yet (they arrive with the performance work).');
