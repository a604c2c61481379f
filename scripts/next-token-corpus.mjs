#!/usr/bin/env node
// next-token-corpus.mjs — writes data/next-token/corpus.txt, the small English corpus the
// playground's next-token model is trained on (scripts/train-next-token.mjs).
//
//   node scripts/next-token-corpus.mjs            (re)writes the corpus
//   node scripts/next-token-corpus.mjs --check    exits 1 when the committed file differs
//
// The corpus is not taken from anywhere: it is generated from the small grammar below,
// written for this project (MIT, like the rest of it), by a seeded generator, so the same
// script always writes the same file. Sentences are simple English about animals, people
// and things; one sentence per line, lower case, words and the punctuation marks "." and
// "," separated by single spaces. The weights make the essay's example come out: after
// "the cat sat on a" the mat is the most likely word, then the rug, chair, bed, ...
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { rng as mulberry32 } from '../web/lib/format.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CORPUS_PATH = path.join(ROOT, 'data/next-token/corpus.txt');
export const SENTENCES = 4000;
const SEED = 20240611;

// ---- word lists: [word, weight] or a plain word (weight 1) -------------------------
const PETS = [
  ['cat', 8],
  ['dog', 6],
  'kitten',
  'puppy',
  'rabbit',
  'mouse',
  'duck',
  'hen',
  'fox',
  'frog',
  'goat',
  'pig',
  'owl',
  'bear',
  'lion',
  'sheep',
  'cow',
  'horse',
];
const PEOPLE = [
  ['boy', 3],
  ['girl', 3],
  'man',
  'woman',
  'baby',
  'teacher',
  'farmer',
  'doctor',
  'king',
  'queen',
  'child',
  'baker',
  'old man',
  'old woman',
];
const NAMES = ['anna', 'ben', 'tom', 'mia', 'sam', 'lucy', 'max', 'ella', 'leo', 'zoe', 'nina', 'omar'];
const SEATS = [
  ['mat', 34],
  ['rug', 16],
  ['chair', 11],
  ['bed', 9],
  ['floor', 7],
  ['sofa', 5],
  ['box', 5],
  ['cushion', 4],
  ['hat', 3],
  ['bench', 2],
  ['step', 2],
  ['table', 2],
];
const SIT = [
  ['sat', 6],
  ['slept', 2],
  ['lay', 2],
  ['jumped', 1],
  ['sleeps', 1],
  ['sits', 1],
];
const ADJ = [
  'big',
  'small',
  'little',
  'red',
  'blue',
  'green',
  'old',
  'new',
  'happy',
  'sleepy',
  'hungry',
  'brown',
  'black',
  'white',
  'soft',
  'warm',
  'tall',
  'funny',
  'quiet',
  'yellow',
];
const FOODS = [
  'apple',
  'cake',
  'bread',
  'fish',
  'soup',
  'egg',
  'orange',
  'banana',
  'cheese',
  'pie',
  'sandwich',
  'carrot',
  'biscuit',
  'pear',
];
const MASS = ['bread', 'fish', 'soup', 'cheese', 'cake'];
const THINGS = [
  'ball',
  'book',
  'cup',
  'hat',
  'box',
  'kite',
  'key',
  'toy',
  'letter',
  'picture',
  'bag',
  'coat',
  'shoe',
  'spoon',
  'pen',
  'map',
  'drum',
  'umbrella',
  'clock',
  'flower',
];
const PLACES = [
  'park',
  'shop',
  'school',
  'river',
  'garden',
  'beach',
  'forest',
  'farm',
  'market',
  'library',
  'house',
  'hill',
  'lake',
  'zoo',
  'town',
  'village',
];
const TIMES = [
  'in the morning',
  'in the evening',
  'at night',
  'on sunday',
  'after school',
  'every day',
  'yesterday',
  'today',
  'after lunch',
  'before dinner',
];
const SAW = ['saw', 'liked', 'found', 'wanted', 'took', 'lost', 'bought', 'made', 'painted', 'dropped'];
const ATE = ['ate', 'wanted', 'liked', 'cooked', 'shared', 'found'];
const WEATHER = ['sunny', 'rainy', 'cold', 'warm', 'windy', 'quiet', 'long', 'happy', 'busy', 'lovely'];
const PERIOD = ['day', 'morning', 'night', 'evening', 'week'];
const LOOK = ['looked at', 'watched', 'waited for', 'listened to', 'played with'];
const MOVE = ['ran', 'walked', 'jumped', 'hopped', 'went'];
const PREP = ['into', 'across', 'around', 'through', 'to', 'along', 'past'];
const FLY = ['over', 'into', 'across', 'above', 'around'];
const FLYERS = [['bird', 4], 'owl', 'duck', 'bee', 'butterfly', 'plane', 'kite'];
const FEEL = ['happy', 'sleepy', 'hungry', 'tired', 'cold', 'sad', 'glad', 'busy'];
const PUT = ['on', 'under', 'in', 'next to', 'behind'];
const SONG = ['sang a song', 'told a story', 'read a book', 'drew a picture', 'wrote a letter'];

export function generateCorpus(count = SENTENCES, seed = SEED) {
  const rand = mulberry32(seed);
  const pick = (list) => {
    let total = 0;
    for (const w of list) total += Array.isArray(w) ? w[1] : 1;
    let u = rand() * total;
    for (const w of list) {
      u -= Array.isArray(w) ? w[1] : 1;
      if (u < 0) return Array.isArray(w) ? w[0] : w;
    }
    const last = list[list.length - 1];
    return Array.isArray(last) ? last[0] : last;
  };
  const maybe = (p) => rand() < p;
  // "a" or "an" by the next word's first letter.
  const a = (words) => `${/^[aeiou]/.test(words) ? 'an' : 'a'} ${words}`;
  const det = (noun) => (maybe(0.5) ? `the ${noun}` : a(noun));
  const withAdj = (noun, p = 0.35) => (maybe(p) ? `${pick(ADJ)} ${noun}` : noun);
  const someone = () => {
    if (maybe(0.35)) return pick(NAMES);
    const who = pick(PEOPLE);
    return `the ${who.includes(' ') ? who : withAdj(who, 0.2)}`;
  };
  const animal = () => `the ${withAdj(pick(PETS), 0.25)}`;

  // Each template is [weight, () => sentence without the full stop].
  const templates = [
    // The essay's sentence and its neighbours: X sat on a/the SEAT.
    [
      26,
      () => {
        const seat = pick(SEATS);
        let s = `${maybe(0.8) ? animal() : someone()} ${pick(SIT)} on ${maybe(0.6) ? a(seat) : `the ${seat}`}`;
        if (maybe(0.25)) s += ` and ${pick(LOOK)} ${maybe(0.5) ? animal() : someone()}`;
        else if (maybe(0.2)) s += ` ${pick(['all day', 'in the sun', 'by the door', 'by the fire', 'for a while'])}`;
        return s;
      },
    ],
    [10, () => `${someone()} ${pick(SAW)} ${det(withAdj(pick(THINGS)))}${maybe(0.3) ? ` ${pick(TIMES)}` : ''}`],
    [
      8,
      () => {
        const food = pick(FOODS);
        const some = MASS.includes(food) || maybe(0.15);
        return `${maybe(0.5) ? someone() : animal()} ${pick(ATE)} ${some ? `some ${food}` : a(food)}`;
      },
    ],
    [8, () => `${someone()} went to the ${pick(PLACES)}${maybe(0.5) ? ` ${pick(TIMES)}` : ''}`],
    [6, () => `it was a ${pick(WEATHER)} ${pick(PERIOD)}`],
    [7, () => `${animal()} ${pick(MOVE)} ${pick(PREP)} the ${pick(PLACES)}`],
    [
      6,
      () =>
        `the ${pick(FLYERS)} flew ${pick(FLY)} the ${pick(['house', 'tree', 'river', 'hill', 'garden', 'town', 'lake', 'roof'])}`,
    ],
    [6, () => `${someone()} has ${a(withAdj(pick(PETS), 0.5))} called ${pick(NAMES)}`],
    [
      5,
      () => {
        const person = maybe(0.5);
        const then = pick(['went to bed', 'had a nap', 'ate a cake', 'sat on the mat', 'went home', 'sang a song']);
        return `${person ? someone() : animal()} was ${pick(FEEL)}${maybe(0.4) ? `, so ${person ? 'they' : 'it'} ${then}` : ''}`;
      },
    ],
    [
      6,
      () => `${someone()} put the ${pick(THINGS)} ${pick(PUT)} the ${pick([...SEATS, 'bag', 'box', 'tree', 'door'])}`,
    ],
    [
      5,
      () =>
        `${animal()} chased ${animal()} ${pick(['around the house', 'into the garden', 'across the field', 'up the tree', 'down the road'])}`,
    ],
    [4, () => `${someone()} ${pick(SONG)}${maybe(0.5) ? ` for ${someone()}` : ''}`],
    [
      4,
      () =>
        `the ${pick(['sun', 'moon', 'rain', 'wind', 'snow'])} ${pick(['was', 'came', 'shone', 'fell'])} ${pick(['on the town', 'over the hill', 'on the house', 'all night', 'all day', 'in the garden'])}`,
    ],
    [
      3,
      () =>
        `${someone()} and ${someone()} played ${pick(['in the park', 'with a ball', 'with the dog', 'in the garden', 'by the river', 'on the beach'])}`,
    ],
  ];

  const lines = [];
  for (let i = 0; i < count; i++) {
    const s = pick(templates.map(([w, f]) => [f, w]))();
    lines.push(`${s.replace(/,/g, ' ,')} .`);
  }
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = generateCorpus();
  if (process.argv.includes('--check')) {
    const same = readFileSync(CORPUS_PATH, 'utf8') === text;
    console.log(
      same ? 'corpus is up to date' : 'corpus differs from the generator: run node scripts/next-token-corpus.mjs',
    );
    process.exit(same ? 0 : 1);
  }
  mkdirSync(path.dirname(CORPUS_PATH), { recursive: true });
  writeFileSync(CORPUS_PATH, text);
  const words = text.split(/\s+/).filter(Boolean);
  console.log(`wrote ${CORPUS_PATH}: ${SENTENCES} sentences, ${words.length} tokens, ${new Set(words).size} distinct`);
}
