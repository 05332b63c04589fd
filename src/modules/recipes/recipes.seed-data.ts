import type { Unit } from "./units.ts";

/** Demo content for `npm run db:seed`: real dishes, so the API reads like a recipe app. */

type Line = [name: string, quantity: number | null, unit: Unit | null, note?: string];
export type Dish = {
  title: string;
  description: string;
  servings: number;
  prep: number;
  cook: number;
  tags: string[];
  ingredients: Line[];
  steps: string[];
};

// biome-ignore format: a data table reads best one dish per block
export const DISHES: Dish[] = [
  {
    title: "Tomato basil soup",
    description: "Roasted tomatoes blended with garlic and fresh basil.",
    servings: 4, prep: 15, cook: 40, tags: ["soup", "vegetarian", "comfort"],
    ingredients: [["Tomatoes", 1, "kg"], ["Garlic", 4, "clove"], ["Olive oil", 3, "tbsp"], ["Basil", 1, "bunch"], ["Vegetable stock", 500, "ml"], ["Salt", null, null, "to taste"]],
    steps: ["Roast the tomatoes and garlic at 200 °C for 30 minutes.", "Simmer with the stock for 10 minutes.", "Blend with the basil and season."],
  },
  {
    title: "Classic pancakes",
    description: "Fluffy breakfast pancakes from pantry staples.",
    servings: 4, prep: 10, cook: 15, tags: ["breakfast", "quick", "vegetarian"],
    ingredients: [["Flour", 200, "g"], ["Milk", 300, "ml"], ["Eggs", 2, null], ["Sugar", 1, "tbsp"], ["Baking powder", 2, "tsp"], ["Butter", 30, "g", "melted"], ["Salt", 1, "pinch"]],
    steps: ["Whisk the dry ingredients.", "Whisk in milk, eggs and butter until just combined.", "Cook ladlefuls in a hot pan until bubbles form, then flip."],
  },
  {
    title: "Chicken curry",
    description: "A mild, creamy curry with tender chicken thighs.",
    servings: 4, prep: 20, cook: 35, tags: ["dinner", "spicy", "chicken"],
    ingredients: [["Chicken thighs", 700, "g"], ["Onion", 2, "piece"], ["Garlic", 3, "clove"], ["Ginger", 20, "g"], ["Curry powder", 2, "tbsp"], ["Coconut milk", 1, "can"], ["Rice", 300, "g"]],
    steps: ["Brown the chicken in batches.", "Soften onion, garlic and ginger; stir in the curry powder.", "Add coconut milk and chicken; simmer 25 minutes.", "Serve with rice."],
  },
  {
    title: "Spaghetti carbonara",
    description: "Eggs, pecorino and crisp guanciale; no cream.",
    servings: 2, prep: 10, cook: 15, tags: ["pasta", "quick", "italian"],
    ingredients: [["Spaghetti", 200, "g"], ["Guanciale", 100, "g"], ["Eggs", 2, null], ["Pecorino romano", 50, "g", "finely grated"], ["Black pepper", null, null]],
    steps: ["Cook the pasta in salted water.", "Crisp the guanciale.", "Toss pasta with guanciale off the heat, then the egg and cheese mixture, loosening with pasta water."],
  },
  {
    title: "Guacamole",
    description: "Chunky avocado dip with lime and coriander.",
    servings: 4, prep: 10, cook: 0, tags: ["dip", "vegan", "quick", "mexican"],
    ingredients: [["Avocados", 3, "piece"], ["Lime", 1, "piece", "juiced"], ["Red onion", 0.5, "piece"], ["Coriander", 1, "bunch"], ["Salt", 1, "tsp"]],
    steps: ["Mash the avocados roughly.", "Stir in everything else and season."],
  },
  {
    title: "Banana bread",
    description: "Moist loaf for very ripe bananas.",
    servings: 10, prep: 15, cook: 60, tags: ["baking", "vegetarian", "snack"],
    ingredients: [["Bananas", 3, "piece", "very ripe"], ["Flour", 250, "g"], ["Sugar", 150, "g"], ["Butter", 115, "g"], ["Eggs", 2, null], ["Baking soda", 1, "tsp"]],
    steps: ["Mash the bananas and mix with melted butter, sugar and eggs.", "Fold in flour and baking soda.", "Bake at 175 °C for about an hour."],
  },
  {
    title: "Greek salad",
    description: "Tomatoes, cucumber, olives and feta.",
    servings: 2, prep: 15, cook: 0, tags: ["salad", "vegetarian", "quick", "greek"],
    ingredients: [["Tomatoes", 3, "piece"], ["Cucumber", 1, "piece"], ["Kalamata olives", 80, "g"], ["Feta", 150, "g"], ["Olive oil", 3, "tbsp"], ["Oregano", 1, "tsp"]],
    steps: ["Cut the vegetables into chunks.", "Top with feta and olives, dress with oil and oregano."],
  },
  {
    title: "Beef chili",
    description: "Slow-simmered chili with beans and smoked paprika.",
    servings: 6, prep: 20, cook: 120, tags: ["dinner", "spicy", "beef", "batch-cooking"],
    ingredients: [["Ground beef", 1, "kg"], ["Kidney beans", 2, "can"], ["Chopped tomatoes", 2, "can"], ["Onion", 2, "piece"], ["Garlic", 4, "clove"], ["Chili powder", 2, "tbsp"], ["Smoked paprika", 1, "tbsp"]],
    steps: ["Brown the beef.", "Add onion and garlic, then the spices.", "Add tomatoes and beans; simmer two hours."],
  },
  {
    title: "Mushroom risotto",
    description: "Creamy arborio rice with mixed mushrooms and parmesan.",
    servings: 4, prep: 15, cook: 35, tags: ["dinner", "vegetarian", "italian"],
    ingredients: [["Arborio rice", 320, "g"], ["Mushrooms", 400, "g"], ["Shallots", 2, "piece"], ["White wine", 125, "ml"], ["Vegetable stock", 1.2, "l"], ["Parmesan", 60, "g"], ["Butter", 40, "g"]],
    steps: ["Fry the mushrooms and set aside.", "Toast the rice with shallots, add wine.", "Add hot stock a ladle at a time for 20 minutes.", "Stir in mushrooms, butter and parmesan."],
  },
  {
    title: "Lentil dal",
    description: "Red lentils with cumin, turmeric and a tempered garlic oil.",
    servings: 4, prep: 10, cook: 30, tags: ["dinner", "vegan", "indian", "budget"],
    ingredients: [["Red lentils", 250, "g"], ["Turmeric", 1, "tsp"], ["Cumin seeds", 2, "tsp"], ["Garlic", 4, "clove"], ["Coconut milk", 200, "ml"], ["Spinach", 100, "g"]],
    steps: ["Simmer the lentils with turmeric until soft.", "Fry cumin and garlic in oil and pour over.", "Stir in coconut milk and spinach."],
  },
  {
    title: "Shakshuka",
    description: "Eggs poached in a spiced pepper and tomato sauce.",
    servings: 2, prep: 10, cook: 25, tags: ["breakfast", "vegetarian", "one-pot"],
    ingredients: [["Eggs", 4, null], ["Chopped tomatoes", 1, "can"], ["Red pepper", 1, "piece"], ["Onion", 1, "piece"], ["Cumin", 1, "tsp"], ["Paprika", 1, "tsp"]],
    steps: ["Soften onion and pepper.", "Add spices and tomatoes; simmer 10 minutes.", "Make wells, crack in the eggs, cover until set."],
  },
  {
    title: "Chocolate chip cookies",
    description: "Crisp edges, chewy middles.",
    servings: 24, prep: 15, cook: 12, tags: ["baking", "dessert", "vegetarian"],
    ingredients: [["Butter", 225, "g"], ["Brown sugar", 200, "g"], ["Sugar", 100, "g"], ["Eggs", 2, null], ["Flour", 280, "g"], ["Chocolate chips", 300, "g"], ["Baking soda", 1, "tsp"]],
    steps: ["Cream butter and sugars, beat in the eggs.", "Mix in flour and soda, then the chips.", "Bake spoonfuls at 180 °C for 10–12 minutes."],
  },
  {
    title: "Pad thai",
    description: "Rice noodles with tamarind, peanuts and lime.",
    servings: 2, prep: 20, cook: 10, tags: ["dinner", "quick", "thai"],
    ingredients: [["Rice noodles", 200, "g"], ["Shrimp", 200, "g"], ["Eggs", 2, null], ["Tamarind paste", 2, "tbsp"], ["Fish sauce", 2, "tbsp"], ["Peanuts", 40, "g"], ["Bean sprouts", 100, "g"]],
    steps: ["Soak the noodles.", "Stir-fry shrimp, push aside and scramble the eggs.", "Add noodles and sauce; toss with sprouts and peanuts."],
  },
  {
    title: "Roast chicken",
    description: "A whole chicken with lemon, garlic and thyme.",
    servings: 4, prep: 15, cook: 90, tags: ["dinner", "chicken", "sunday"],
    ingredients: [["Whole chicken", 1.6, "kg"], ["Lemon", 1, "piece"], ["Garlic", 1, "head"], ["Thyme", 4, "sprig"], ["Butter", 50, "g"], ["Salt", null, null]],
    steps: ["Rub the chicken with butter and salt; stuff with lemon, garlic and thyme.", "Roast at 200 °C for 80–90 minutes.", "Rest 15 minutes before carving."],
  },
  {
    title: "Hummus",
    description: "Smooth chickpea dip with tahini.",
    servings: 6, prep: 10, cook: 0, tags: ["dip", "vegan", "quick"],
    ingredients: [["Chickpeas", 1, "can"], ["Tahini", 4, "tbsp"], ["Lemon", 1, "piece", "juiced"], ["Garlic", 1, "clove"], ["Olive oil", 2, "tbsp"], ["Cumin", 0.5, "tsp"]],
    steps: ["Blend everything with a splash of cold water until very smooth."],
  },
  {
    title: "French onion soup",
    description: "Deeply caramelised onions under a cheesy crouton.",
    servings: 4, prep: 15, cook: 75, tags: ["soup", "comfort", "french"],
    ingredients: [["Onions", 1, "kg"], ["Butter", 50, "g"], ["Beef stock", 1, "l"], ["White wine", 150, "ml"], ["Baguette", 8, "slice"], ["Gruyère", 150, "g"]],
    steps: ["Cook the onions slowly in butter for 45 minutes.", "Add wine and stock; simmer 20 minutes.", "Top with bread and cheese and grill."],
  },
  {
    title: "Apple crumble",
    description: "Tart apples under a buttery oat crumble.",
    servings: 6, prep: 20, cook: 40, tags: ["dessert", "baking", "vegetarian"],
    ingredients: [["Apples", 1, "kg"], ["Flour", 150, "g"], ["Oats", 50, "g"], ["Butter", 100, "g"], ["Brown sugar", 100, "g"], ["Cinnamon", 1, "tsp"]],
    steps: ["Slice the apples into a dish with cinnamon.", "Rub butter into flour, oats and sugar.", "Scatter over and bake at 190 °C for 40 minutes."],
  },
  {
    title: "Fish tacos",
    description: "Crispy white fish, lime slaw and chipotle mayo.",
    servings: 4, prep: 25, cook: 10, tags: ["dinner", "fish", "mexican"],
    ingredients: [["White fish fillets", 500, "g"], ["Corn tortillas", 8, "piece"], ["Red cabbage", 0.25, "head"], ["Lime", 2, "piece"], ["Mayonnaise", 4, "tbsp"], ["Chipotle paste", 1, "tsp"]],
    steps: ["Shred the cabbage and dress with lime.", "Mix mayo with chipotle.", "Fry the fish and build the tacos."],
  },
  {
    title: "Overnight oats",
    description: "No-cook breakfast that waits in the fridge.",
    servings: 1, prep: 5, cook: 0, tags: ["breakfast", "quick", "vegetarian", "make-ahead"],
    ingredients: [["Oats", 50, "g"], ["Milk", 120, "ml"], ["Yogurt", 2, "tbsp"], ["Honey", 1, "tsp"], ["Berries", 80, "g"]],
    steps: ["Stir oats, milk, yogurt and honey together.", "Refrigerate overnight and top with berries."],
  },
  {
    title: "Vegetable stir-fry",
    description: "Crunchy vegetables in a garlic-ginger soy sauce.",
    servings: 2, prep: 15, cook: 8, tags: ["dinner", "vegan", "quick"],
    ingredients: [["Broccoli", 200, "g"], ["Carrot", 1, "piece"], ["Snap peas", 100, "g"], ["Soy sauce", 3, "tbsp"], ["Ginger", 10, "g"], ["Garlic", 2, "clove"], ["Sesame oil", 1, "tsp"]],
    steps: ["Stir-fry the vegetables over high heat.", "Add garlic and ginger, then soy sauce and sesame oil."],
  },
];

export const VARIANTS = ["", "Weeknight", "Smoky", "Grandma's", "Herby", "Extra-crispy", "Lighter"];

export const DEMO_USERS = [
  { name: "Ada Baker", email: "ada@demo.stratum.test", role: "user" as const },
  { name: "Bruno Cook", email: "bruno@demo.stratum.test", role: "user" as const },
  { name: "Chen Wok", email: "chen@demo.stratum.test", role: "user" as const },
  { name: "Dana Roast", email: "dana@demo.stratum.test", role: "user" as const },
  { name: "Admin", email: "admin@demo.stratum.test", role: "admin" as const },
];
