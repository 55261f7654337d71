#!/usr/bin/env python3
"""Per-step self time of every native op in a PyTorch profiler trace: profile_summary.py TRACE.json STEPS [WALL_SECONDS]."""
import collections, itertools, json, sys

trace, steps = sys.argv[1], int(sys.argv[2])
wall = float(sys.argv[3]) if len(sys.argv) > 3 else None
ev = json.load(open(trace))
ev = ev['traceEvents'] if isinstance(ev, dict) else ev
xs = sorted((e for e in ev if e.get('ph') == 'X'), key=lambda e: (e.get('tid'), e['ts'], -e['dur']))
top_calls = 0
top_time = 0.0
for _, group in itertools.groupby(xs, key=lambda e: e.get('tid')):
    stack = []
    for e in group:
        while stack and stack[-1]['ts'] + stack[-1]['dur'] <= e['ts']:
            stack.pop()
        e['self'] = e['dur']
        if stack:
            stack[-1]['self'] -= e['dur']
        else:
            top_calls += 1
            top_time += e['dur']
        stack.append(e)
by = collections.defaultdict(lambda: [0, 0.0])
for e in xs:
    by[e['name']][0] += 1
    by[e['name']][1] += e['self']
groups = [
    ('convolution forward', ['aten::mkldnn_convolution', 'aten::convolution', 'aten::_convolution']),
    ('convolution backward', ['aten::convolution_backward']),
    ('GroupNorm (layer_norm kernels) forward + backward', ['aten::native_layer_norm', 'aten::native_layer_norm_backward']),
    ('SiLU sigmoid forward + backward (its multiply is in mul)', ['aten::sigmoid', 'aten::sigmoid_backward']),
    ('attention: bmm, softmax forward + backward', ['aten::bmm', 'aten::_softmax', 'aten::_softmax_backward_data']),
    ('linear layers (addmm, mm)', ['aten::addmm', 'aten::mm']),
]
named = set()
print(f'{steps} steps; native op time {top_time / 1e6 / steps * 1000:.0f} ms/step'
      + (f' of {wall / steps * 1000:.0f} ms/step wall' if wall else '') + f'; {top_calls / steps:.0f} top-level native calls per step')
print('| part | ms per step | share of native time | calls per step |')
print('| --- | --- | --- | --- |')
for label, names in groups:
    t = sum(by[n][1] for n in names)
    c = by[names[0]][0]  # the innermost op of the group (convolution nests three)
    named.update(names)
    print(f'| {label} | {t / 1e3 / steps:.1f} | {100 * t / top_time:.1f}% | {c / steps:.0f} |')
rest = sorted(((n, v) for n, v in by.items() if n not in named), key=lambda kv: -kv[1][1])
t = sum(v[1] for _, v in rest)
print(f'| everything else (elementwise: SiLU multiply, loss, Adam, EMA, clipping, copies) | {t / 1e3 / steps:.1f} | {100 * t / top_time:.1f}% | |')
print()
print('| op | calls per step | self ms per step |')
print('| --- | --- | --- |')
for n, v in rest[:14]:
    print(f'| `{n}` | {v[0] / steps:.0f} | {v[1] / 1e3 / steps:.1f} |')
