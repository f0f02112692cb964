// A strict reader of the Prometheus text exposition format 0.0.4, for tests of what the
// gateway and the core serve: every sample must belong to a family announced by exactly one
// `# HELP` and one `# TYPE` line before it (a histogram's samples are its `_bucket`, `_sum`
// and `_count` series). Throws on anything else.

export interface ExpositionSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  types: Map<string, string>;
  help: Map<string, string>;
  samples: ExpositionSample[];
}

export function readExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: ExpositionSample[] = [];
  if (!text.endsWith("\n")) throw new Error("exposition: the text does not end with a line feed");
  for (const line of text.slice(0, -1).split("\n")) {
    let m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (m) {
      if (help.has(m[1]!)) throw new Error(`exposition: second HELP for ${m[1]}`);
      help.set(m[1]!, m[2]!);
      continue;
    }
    m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (m) {
      if (types.has(m[1]!)) throw new Error(`exposition: second TYPE for ${m[1]}`);
      types.set(m[1]!, m[2]!);
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+]+|NaN|[+-]Inf)$/.exec(line);
    if (!m) throw new Error(`exposition: not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    if (m[2]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy;
      let consumed = 0;
      for (let lm = re.exec(m[2]); lm !== null; lm = re.exec(m[2])) {
        labels[lm[1]!] = lm[2]!.replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
        consumed = re.lastIndex;
      }
      if (consumed !== m[2].length) throw new Error(`exposition: bad labels in ${line}`);
    }
    const name = m[1]!;
    const family = types.has(name) ? name : name.replace(/_(bucket|sum|count)$/, "");
    if (!types.has(family) || (family !== name && types.get(family) !== "histogram")) {
      throw new Error(`exposition: sample ${name} of no announced family`);
    }
    samples.push({ name, labels, value: Number(m[3]) });
  }
  return { types, help, samples };
}

/**
 * The value of the one sample with this name and these labels (all of them). When there is
 * none: `absent` if given (a counter before its first increment), else it throws; more than
 * one always throws.
 */
export function sampleValue(x: Exposition, name: string, labels: Record<string, string> = {}, absent?: number): number {
  const want = Object.entries(labels);
  const hit = x.samples.filter(
    (s) => s.name === name && Object.keys(s.labels).length === want.length && want.every(([k, v]) => s.labels[k] === v),
  );
  if (hit.length === 0 && absent !== undefined) return absent;
  if (hit.length !== 1) throw new Error(`exposition: ${hit.length} samples ${name}${JSON.stringify(labels)}`);
  return hit[0]!.value;
}
