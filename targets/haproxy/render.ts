/**
 * Renders the view model with the Handlebars templates in `templates/`, compiled with `noEscape`
 * (HTML escaping means nothing in an HAProxy config) and `strict` (a missing field is a meshc bug,
 * not an empty string). Templates only loop and test; every value goes through a helper:
 * `lines` (a section's directives, one per line, each word quoted by `word`), `name` (a proxy name, checked), `int` (a port),
 * `comment` (trusted text on one line).
 * @module
 */
import Handlebars from 'handlebars';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fitSection, renderLine, type ConfigView, type Line } from './model.js';
import { flat } from '../../src/util/strings.js';

/** The templates folder, beside the sources or, from `dist/`, in the package's `targets/haproxy/templates`. */
function templatesDir(): string {
  for (const rel of ['./templates/', '../../../targets/haproxy/templates/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(dir)) return dir;
  }
  throw new Error('meshc bug: targets/haproxy/templates not found');
}

let compiled: Handlebars.TemplateDelegate<ConfigView> | undefined;

function template(): Handlebars.TemplateDelegate<ConfigView> {
  if (compiled) return compiled;
  const hb = Handlebars.create();
  hb.registerHelper('lines', (ls: Line[]) => {
    let out = '';
    for (const l of ls) out += '    ' + renderLine(l) + '\n';
    return out;
  });
  hb.registerHelper('name', (n: unknown) => {
    if (typeof n !== 'string' || !/^[A-Za-z0-9._:-]+$/.test(n)) throw new Error(`meshc bug: bad HAProxy proxy name ${String(n)}`);
    return n;
  });
  hb.registerHelper('int', (n: unknown) => {
    if (typeof n !== 'number' || !Number.isInteger(n)) throw new Error(`meshc bug: not an integer: ${String(n)}`);
    return String(n);
  });
  hb.registerHelper('comment', (s: unknown) => String(s).replace(/[\r\n]+/g, ' '));
  const src = readFileSync(templatesDir() + 'proxy.cfg.hbs', 'utf8');
  compiled = hb.compile<ConfigView>(src, { noEscape: true, strict: true });
  return compiled;
}

/** Renders one config. */
export function renderConfig(view: ConfigView): string {
  const normalised: ConfigView = {
    ...view,
    sections: view.sections.map((s) => ({ ...s, comment: s.comment ?? '', lines: fitSection(s.lines) })),
  };
  return flat(template()(normalised));
}
