/**
 * Item attributes for Online Retail, derived from the free-text description because the data has
 * none: a colour (the FIRST colour word, since colours lead: "RED RETROSPOT ...") and a product
 * type (the LAST type keyword, since English noun phrases end with their head noun: "WHITE
 * HANGING HEART T-LIGHT HOLDER" is a holder). Words are split on anything but letters.
 */

/** Colour words (upper case, as in the data) and the lower-case colour they name. */
export const COLOUR_WORDS: Readonly<Record<string, string>> = {
  RED: 'red',
  PINK: 'pink',
  BLUE: 'blue',
  WHITE: 'white',
  IVORY: 'ivory',
  GREEN: 'green',
  BLACK: 'black',
  CREAM: 'cream',
  GOLD: 'gold',
  SILVER: 'silver',
  PURPLE: 'purple',
  ORANGE: 'orange',
  YELLOW: 'yellow',
  BROWN: 'brown',
  GREY: 'grey',
  GRAY: 'grey',
  TURQUOISE: 'turquoise',
  LILAC: 'lilac',
  NAVY: 'navy',
  BEIGE: 'beige',
  COPPER: 'copper',
  AQUA: 'aqua',
  TEAL: 'teal',
};

/** Product-type keywords (singular and plural spellings) and the category they name. */
export const CATEGORY_WORDS: Readonly<Record<string, string>> = (() => {
  const groups: Record<string, string[]> = {
    bag: ['BAG', 'BAGS', 'HANDBAG', 'WASHBAG', 'SHOPPER', 'TOTE'],
    mug: ['MUG', 'MUGS'],
    candle: ['CANDLE', 'CANDLES', 'INCENSE', 'BURNER', 'FRAGRANCE'],
    holder: ['HOLDER', 'HOLDERS', 'STAND'],
    sign: ['SIGN', 'SIGNS', 'PLAQUE', 'TILE', 'ART', 'BOARD', 'SLATE'],
    card: ['CARD', 'CARDS'],
    box: ['BOX', 'BOXES'],
    lights: ['LIGHT', 'LIGHTS', 'LAMP', 'LANTERN', 'LANTERNS', 'NIGHTLIGHT'],
    cushion: ['CUSHION', 'CUSHIONS'],
    bottle: ['BOTTLE', 'BOTTLES'],
    clock: ['CLOCK', 'CLOCKS'],
    frame: ['FRAME', 'FRAMES'],
    tin: ['TIN', 'TINS'],
    jar: ['JAR', 'JARS'],
    cup: ['CUP', 'CUPS', 'TEACUP', 'SAUCER'],
    plate: ['PLATE', 'PLATES'],
    bowl: ['BOWL', 'BOWLS', 'DISH', 'DISHES'],
    tray: ['TRAY', 'TRAYS'],
    decoration: ['DECORATION', 'DECORATIONS', 'ORNAMENT', 'ORNAMENTS', 'BAUBLE', 'BAUBLES', 'GARLAND', 'BUNTING', 'WREATH', 'HANGING'],
    hanger: ['HANGER', 'HANGERS', 'HOOK', 'HOOKS'],
    wrap: ['WRAP', 'PAPER', 'TISSUES', 'RIBBON', 'RIBBONS', 'TAPE'],
    napkin: ['NAPKIN', 'NAPKINS'],
    'cake cases': ['CASES'],
    doormat: ['DOORMAT', 'MAT', 'MATS'],
    doorstop: ['DOORSTOP'],
    apron: ['APRON'],
    towel: ['TOWEL', 'TOWELS'],
    umbrella: ['UMBRELLA', 'PARASOL'],
    jewellery: ['NECKLACE', 'EARRINGS', 'BRACELET', 'NECKL', 'BROOCH', 'RING', 'CHARM', 'BLING', 'DIAMANTE', 'HAIR', 'CLIP', 'SLIDE'],
    purse: ['PURSE', 'WALLET'],
    stationery: [
      'NOTEBOOK',
      'PEN',
      'PENS',
      'PENCIL',
      'PENCILS',
      'STICKERS',
      'STICKER',
      'ERASER',
      'ERASERS',
      'NOTEPAD',
      'JOURNAL',
      'CALENDAR',
      'BOOK',
      'SKETCHBOOK',
      'MARKER',
      'PAD',
      'SCISSOR',
      'ALBUM',
      'TAG',
      'LETTER',
      'LETTERS',
      'COVER',
    ],
    magnet: ['MAGNET', 'MAGNETS'],
    keyring: ['KEYRING', 'KEYRINGS'],
    teapot: ['TEAPOT', 'COSY'],
    cutlery: ['SPOON', 'SPOONS', 'CUTLERY', 'FORK', 'KNIFE'],
    glass: ['GLASS', 'GLASSES', 'TUMBLER', 'TUMBLERS'],
    vase: ['VASE', 'VASES'],
    basket: ['BASKET', 'BASKETS'],
    planter: ['PLANTER', 'POT', 'POTS'],
    warmer: ['WARMER', 'WARMERS'],
    kit: ['KIT', 'KITS', 'SET'],
    toy: ['TOY', 'TOYS', 'GAME', 'PUZZLE', 'JIGSAW', 'SKITTLES', 'DOLL', 'DOLLY', 'BALL', 'MOBILE'],
    chalkboard: ['CHALKBOARD', 'BLACKBOARD'],
    lunch: ['LUNCHBOX'],
    mirror: ['MIRROR'],
    storage: ['DRAWER', 'CABINET', 'CRATE', 'CHEST', 'SHELF', 'RACK', 'BIN', 'ORGANISER', 'TIDY'],
    kitchenware: ['PAN', 'JUG', 'BEAKER', 'SCALES', 'CAN', 'TEA', 'COFFEE', 'MOULD', 'CUTTER', 'CUTTERS'],
    textile: ['CURTAIN', 'FLANNEL', 'BLANKET', 'THROW', 'QUILT'],
  };
  const out: Record<string, string> = {};
  for (const [category, words] of Object.entries(groups)) for (const w of words) out[w] = category;
  return out;
})();

const WORD = /[A-Z]+/g;

/** The first colour word of a description (lower case), or undefined. */
export function colourOf(description: string): string | undefined {
  for (const m of description.toUpperCase().matchAll(WORD)) {
    const colour = COLOUR_WORDS[m[0]];
    if (colour) return colour;
  }
  return undefined;
}

/** The product type named by the last type keyword of a description, else 'other'. */
export function categoryOf(description: string): string {
  const words = description.toUpperCase().match(WORD) ?? [];
  for (let i = words.length - 1; i >= 0; i--) {
    const category = CATEGORY_WORDS[words[i]];
    if (category) return category;
  }
  return 'other';
}
