import { WritableSignal, signal } from '@angular/core';

/** The accepted range of a numeric setting and how the page names it. */
export interface NumberFieldSpec {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  /** Appended to numbers in messages, e.g. `' ms'`. */
  readonly unit: string;
}

/**
 * A numeric setting typed into an `<input type="number">`, applied to a signal only when valid.
 *
 * A refused entry (empty, not a number, out of range) never reaches the setting and never stays on screen
 * looking accepted: the input goes back to the value in force and {@link message} says what was refused
 * and what was kept. (An empty box must not silently mean 0: `Number('')` is 0.)
 */
export class NumberField {
  private readonly messageState = signal<string | null>(null);
  /** Why the last entry was refused, or `null` when it was accepted. */
  readonly message = this.messageState.asReadonly();

  constructor(readonly spec: NumberFieldSpec, readonly value: WritableSignal<number>) {}

  /** Applies the input's value if valid; otherwise restores the input and explains. Returns whether applied. */
  commit(input: HTMLInputElement): boolean {
    const { label, min, max, unit } = this.spec;
    const raw = input.value.trim();
    const range = `from ${min} to ${max}${unit}`;
    const kept = `kept ${this.value()}${unit}`;
    let refusal: string | null = null;
    if (input.validity.badInput) refusal = `${label} must be a number ${range}; ${kept}.`;
    else if (raw === '') refusal = `${label} cannot be empty: enter a number ${range}; ${kept}.`;
    else {
      const n = Number(raw);
      if (!Number.isFinite(n)) refusal = `${label} must be a number ${range}; ${kept}.`;
      else if (n < min || n > max) refusal = `${label} ${raw}${unit} refused: it must be ${range}; ${kept}.`;
      else {
        this.value.set(n);
        this.messageState.set(null);
        input.value = String(n);
        return true;
      }
    }
    this.messageState.set(refusal);
    input.value = String(this.value()); // the binding would not reset it: the signal did not change
    return false;
  }
}
