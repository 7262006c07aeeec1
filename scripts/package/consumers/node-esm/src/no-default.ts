// Type-checked, never run: the types must reject a default import (there is none at run time).
// @ts-expect-error -- rxjs-lanes has no default export; import its names.
import lanes from 'rxjs-lanes';

export const unused: unknown = lanes;
