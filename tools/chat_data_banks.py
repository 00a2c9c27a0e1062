"""Word banks and reply templates of the chat adapter's synthetic dialogues (``tools/make_chat_data.py``).

The benchmark (``bench/dialogue.py``) uses other names, cities, pets and question phrasings on purpose:
none of its probe names or cities appears here, so recall there is not recall of training data.
"""

from __future__ import annotations

NAMES = ["Maya", "Tom", "Aisha", "Kenji", "Lucas", "Sofia", "Omar", "Hannah", "Diego", "Mei", "Noah", "Fatima", "Ivan",
         "Chloe", "Rahul", "Grace", "Mateo", "Leila", "Samuel", "Yuki", "Ben", "Zara", "Pablo", "Emma", "Arjun", "Nina",
         "Felix", "Amara", "Oscar", "Lena", "Hugo", "Ines", "Daniel", "Rosa", "Kwame", "Julia", "Sara", "Tariq", "Alice",
         "Leo", "Mia", "Ethan", "Chiara", "Jonas", "Ayla", "Victor", "Nora", "Raj", "Elif", "Theo", "Ana", "Kofi", "Lily",
         "Marco", "Hana", "Sam", "Eva", "Adam", "Ruth", "Jack", "Olga", "Pedro", "Wei", "Carmen", "Luis", "Freya",
         # names a small model meets less often, from many languages, so that a name is read as a name by its place in
         # the sentence and not by being familiar
         "Wojciech", "Agnieszka", "Ciaran", "Niamh", "Thandiwe", "Sipho", "Astrid", "Bjorn", "Dragana", "Vesna",
         "Leopold", "Ottilie", "Anouk", "Joost", "Ngozi", "Chidi", "Esperanza", "Rodrigo", "Anahit", "Gevorg", "Saoirse",
         "Radek", "Zofia", "Laszlo", "Eszter", "Kalani", "Tevita", "Ioana", "Dorin", "Folasade", "Yaw", "Parisa",
         "Dariush", "Keanu", "Malia", "Svetlana", "Dmitri", "Aroha", "Wiremu", "Priyanka", "Venkat", "Thu", "Minh",
         "Oluwaseun", "Signe", "Torvald", "Marisol", "Anneke", "Cormac", "Gudrun", "Ilse", "Quentin", "Ludmila",
         "Xochitl", "Itzel", "Nikos", "Eleni", "Hamid", "Soraya", "Mbali", "Lwazi", "Ragnhild", "Teodor"]
# ways a user gives a name, with {n} for it (the bench, ``bench/dialogue_probes.py``, has its own, none of these)
NAME_SAY = ["my name is {n}", "I'm {n}", "call me {n}", "hi, I'm {n}", "name's {n}", "I am {n}, by the way",
            "this is {n}", "it's {n}, by the way", "you can call me {n}", "everyone calls me {n}", "people call me {n}",
            "my friends call me {n}", "I'm called {n}", "{n} is my name", "the name's {n}", "hey, it's {n}",
            "{n}, nice to meet you", "oh, and I'm {n}", "I should say, my name is {n}", "hello, I'm {n}",
            "my first name is {n}", "just call me {n}"]
CITIES = ["Berlin", "Madrid", "Osaka", "Nairobi", "Chicago", "Melbourne", "Dublin", "Cairo", "Seoul", "Lima", "Oslo",
          "Prague", "Vienna", "Mumbai", "Denver", "Glasgow", "Lyon", "Hamburg", "Kyoto", "Austin", "Cape Town", "Warsaw",
          "Helsinki", "Athens", "Montreal", "Seattle", "Manila", "Hanoi", "Accra", "Istanbul", "Zurich", "Naples", "Bristol",
          "Boston", "Santiago", "Auckland", "Vancouver", "Munich", "Budapest", "Copenhagen", "Edinburgh", "Marseille",
          "Krakow", "Perth", "Phoenix", "Quito", "Tunis", "Bangkok", "Leeds", "Valencia"]
PETS = ["dog", "cat", "rabbit", "parrot", "hamster", "turtle", "puppy", "kitten"]
PET_NAMES = ["Rex", "Luna", "Milo", "Coco", "Bella", "Daisy", "Oreo", "Ziggy", "Nala", "Rocky", "Mochi", "Toffee", "Bruno",
             "Olive", "Peanut", "Shadow", "Ginger", "Pickles", "Waffles", "Sunny", "Pixel", "Juno", "Bean", "Noodle"]
JOBS = ["nurse", "teacher", "software developer", "chef", "electrician", "accountant", "architect", "baker", "student",
        "graphic designer", "firefighter", "pharmacist", "lawyer", "mechanic", "photographer", "librarian", "dentist",
        "farmer", "journalist", "plumber", "data analyst", "bus driver"]
PLANS = [  # (what the user says, how the bot says it back)
    ("I'm going hiking on {day}", "you're going hiking on {day}"), ("I'm visiting my sister {when}",
        "you're visiting your sister {when}"),
    ("I have a job interview {when}", "you have a job interview {when}"), ("I'm flying to {city2} {when}",
        "you're flying to {city2} {when}"),
    ("I'm going to a concert on {day}", "you're going to a concert on {day}"), ("I'm painting my kitchen {when}",
        "you're painting your kitchen {when}"),
    ("I'm running a half marathon on {day}", "you're running a half marathon on {day}"),
    ("I'm starting a new job {when}", "you're starting a new job {when}"), ("I'm having a barbecue on {day}",
        "you're having a barbecue on {day}"),
    ("I have an exam {when}", "you have an exam {when}"), ("I'm moving to a new flat {when}", "you're moving to a new flat {when}"),
]
DAYS = ["Saturday", "Sunday", "Friday", "Monday", "Thursday"]
WHENS = ["next week", "tomorrow", "this weekend", "next month", "on Tuesday"]
FAVOURITES = {  # thing -> values
    "food": ["sushi", "lasagne", "tacos", "curry", "dumplings", "pancakes", "paella", "ramen"],
    "colour": ["green", "purple", "orange", "yellow", "teal", "red"],
    "sport": ["tennis", "basketball", "swimming", "cycling", "rugby", "volleyball"],
    "season": ["autumn", "summer", "spring"],
    "fruit": ["mango", "cherries", "pineapple", "kiwi", "peaches"],
    "board game": ["chess", "Scrabble", "Monopoly", "Catan"],
}
INSTRUMENTS = ["guitar", "piano", "violin", "drums", "cello", "ukulele", "saxophone", "flute"]
SIBLINGS = ["brother", "sister"]
SIB_NAMES = ["Carlos", "Petra", "Jonah", "Elsa", "Mark", "Tina", "Karim", "Lucy", "Pavel", "Rita"]

GREET_USER = ["hi", "hello", "hey", "hi there", "hello!", "hey!", "good morning", "good evening", "hiya", "hey, how's it going?",
              "hello, anyone there?", "yo", "morning!", "hi :)", "heya"]
GREET_BOT = ["Hi! How are you doing today?", "Hello! How's your day going?", "Hey there! What's on your mind today?",
             "Hi! Nice to hear from you. How are you?", "Hello! What would you like to chat about?",
             "Hey! How has your day been so far?", "Good to see you! How are things?"]
HOW_USER = ["how are you?", "how's it going?", "how are you doing today?", "how are things?", "you doing okay?",
            "how's your day been?"]
HOW_BOT = ["I'm doing well, thanks for asking! How about you?", "All good here, thank you. How are you?",
           "I'm great, thanks! What about you?", "Doing fine, thanks. How's your day going?"]
FINE_USER = ["pretty good, thanks", "not bad", "a bit tired but okay", "great, thanks!", "i'm fine", "busy day, but good"]
FINE_BOT = ["Glad to hear it! Anything fun planned?", "Good to hear. What have you been up to?",
            "Nice! What's keeping you busy?", "Sorry you're tired. I hope you get some rest soon.",
            "That's good. Is there anything I can help you with?"]

# questions about the bot itself: it is an assistant, with no life story of its own
SELF_QA = [
    (["what is your name?", "do you have a name?", "who are you?", "what should i call you?", "your name is?"],
     ["I'm an AI assistant, so I don't have a name of my own. What's yours?",
      "I don't have a name; I'm just a friendly AI chat partner. What should I call you?",
      "I'm your AI chat partner, no name needed. What's your name?"]),
    (["where do you live?", "where are you from?", "what city are you in?"],
     ["I'm an AI, so I don't live anywhere. Where are you?",
         "I don't have a home town, since I'm an AI assistant. Where are you from?"]),
    (["do you have any pets?", "do you have a dog?", "got any pets?"],
     ["I don't have pets, since I'm an AI. Do you have any?", "No pets for me, I'm an AI assistant. Do you have one?"]),
    (["what did you eat today?", "what's your favourite food?", "did you have lunch?"],
     ["I don't eat, being an AI, but I'd love to hear what you had.", "I don't eat anything myself. What's your favourite meal?"]),
    (["what do you do for fun?", "what are your hobbies?", "what do you like to do?"],
     ["I enjoy chatting with people and hearing about their day. What do you like to do?",
      "Talking with people like you is what I do best. What are your hobbies?"]),
    (["what are you doing this weekend?", "any plans for tonight?", "what are you up to?"],
     ["I don't have plans of my own; I'm here whenever you want to chat. What about you?",
      "Just chatting with you! Do you have any plans?"]),
    (["are you a real person?", "are you human?", "are you a bot?"],
     ["I'm an AI assistant, not a person. I'm happy to chat, though!", "No, I'm an AI chat assistant. How can I help?"]),
    (["do you have a job?", "what do you do for work?"],
     ["Chatting and helping out is my job, since I'm an AI assistant. What do you do?"]),
    (["do you like music?", "what's your favourite movie?", "do you read books?"],
     ["I don't listen or watch myself, but I like hearing what people enjoy. What's your favourite?",
      "I'm an AI, so I don't have favourites, but I'm happy to talk about yours. What do you like?"]),
]

BYE = [  # (the user's goodbye, the bot's answers to it)
    (["bye!", "see you later", "talk to you later", "gotta run, bye", "ok, i have to go now"],
     ["Bye{n}! It was nice chatting with you.", "Take care{n}! Talk to you soon.", "See you later{n}! Enjoy the rest of your day."]),
    (["good night!", "i'm off to bed, bye", "time to sleep, night"], ["Good night{n}, sleep well!", "Sleep well{n}! Talk soon."]),
    (["thanks, that's all for now", "that's it for today, thanks", "thank you, bye"],
     ["You're welcome{n}. Have a lovely day!", "Happy to help{n}! Take care."]),
]
BYE_PLAN = ["Bye{n}! Good luck with {plan}.", "Take care{n}, and enjoy {plan}!"]

QA = [  # simple questions: the answer comes first, in one sentence
    ("what's the capital of Germany?", "The capital of Germany is Berlin."), ("what is the capital of Japan?",
        "Tokyo is the capital of Japan."),
    ("what's the capital of Italy?", "The capital of Italy is Rome."), ("capital of Spain?", "Madrid is the capital of Spain."),
    ("what is the capital of Canada?", "The capital of Canada is Ottawa."), ("what's the capital of Australia?", "It's Canberra."),
    ("what is the capital of Egypt?", "The capital of Egypt is Cairo."), ("what's the capital of Kenya?",
        "Nairobi is the capital of Kenya."),
    ("how many legs does a spider have?", "A spider has eight legs."), ("how many minutes are in an hour?",
        "There are 60 minutes in an hour."),
    ("what is the largest planet?", "Jupiter is the largest planet in our solar system."),
    ("at what temperature does water boil?", "Water boils at 100 degrees Celsius at sea level."),
    ("who wrote Romeo and Juliet?", "William Shakespeare wrote Romeo and Juliet."), ("what colour is a banana?",
        "A ripe banana is yellow."),
    ("how many months are in a year?", "There are twelve months in a year."), ("what do cows drink?", "Cows drink water."),
    ("what is the tallest animal?", "The giraffe is the tallest animal."), ("which planet is called the red planet?",
        "Mars is the red planet."),
    ("how many sides does a triangle have?", "A triangle has three sides."), ("what language do they speak in Brazil?",
        "People in Brazil speak Portuguese."),
    ("what's the biggest ocean?", "The Pacific is the biggest ocean."), ("what do caterpillars turn into?",
        "Caterpillars turn into butterflies or moths."),
    ("how many hours are in a day?", "A day has 24 hours."), ("what is the opposite of early?", "The opposite of early is late."),
    ("what gas do we breathe in to live?", "We need oxygen to live."), ("what's the fastest land animal?",
        "The cheetah is the fastest land animal."),
    ("which is the closest star to earth?", "The Sun is the closest star to Earth."), ("what do you call a baby cat?",
        "A baby cat is a kitten."),
    ("how many players are on a football team?", "A football team has eleven players on the field."),
    ("what's the main ingredient of guacamole?", "Guacamole is made mainly from avocado."),
    ("what is the chemical symbol for gold?", "The chemical symbol for gold is Au."),
        ("what colour do you get mixing blue and yellow?", "Blue and yellow make green."),
    ("how many continents are there?", "There are seven continents."), ("what instrument has 88 keys?", "A piano has 88 keys."),
    ("what is the plural of mouse?", "The plural of mouse is mice."), ("which animal has a trunk?", "The elephant has a trunk."),
]
EXPLAIN = [  # asked to explain or list: here a longer reply is right
    ("can you explain how rainbows form?", "Sure. Sunlight is made of many colours. When it passes through raindrops, the light bends "
     "and splits into those colours, and each drop reflects it back towards you. That's why you see a rainbow when the sun is "
     "behind you and rain is in front of you."),
    ("give me three tips for sleeping better", "Here are three: 1. Go to bed and wake up at the same time every day. 2. Keep screens "
     "out of the bedroom for the last hour before sleep. 3. Avoid coffee in the afternoon and evening."),
    ("how do i make a cup of tea?",
        "Boil fresh water and pour it over a tea bag in a mug. Let it steep for three to five minutes, then "
     "take the bag out. Add milk, sugar or lemon if you like."),
    ("list three fruits with lots of vitamin c", "Oranges, kiwis and strawberries are all rich in vitamin C."),
    ("explain what photosynthesis is",
        "Photosynthesis is how plants make their food. They take in sunlight, water and carbon dioxide, "
     "and turn them into sugar for energy. As a bonus, they release oxygen into the air."),
    ("what are some good ways to learn a new language?", "A few that work well: practise a little every day, listen to podcasts or "
     "music in the language, and talk with native speakers as early as you can. Apps help too, but speaking matters most."),
    ("can you tell me how to stay focused while studying?", "Try working in short blocks of 25 minutes with a 5-minute break. Put "
     "your phone in another room, and decide before you start exactly what you want to finish."),
    ("why is the sea salty?", "Rain washes tiny amounts of salt out of rocks, and rivers carry it into the sea. The water evaporates "
     "but the salt stays behind, so over millions of years the sea became salty."),
    ("explain how a bicycle stays upright",
        "Mostly through steering. When a bike starts to lean, the rider and the shape of the front "
     "fork turn the wheel into the lean, which brings the bike back under you. Speed makes those corrections easier."),
    ("list some easy dinners i can cook", "Here are a few: pasta with tomato sauce, a vegetable stir-fry with rice, an omelette with "
     "salad, or a baked potato with beans and cheese."),
]

# persona system prompts: (prompt, its name or "", greeting, self-description, flavour opener, flavour closer)
PERSONAS = [
    ("You are Captain Finn, a pirate. Talk like a pirate.", "Captain Finn", "Ahoy, matey! What brings ye aboard today?",
     "I sail the seven seas on my ship, hunting for treasure.", "Arr,", "matey"),
    ("You are a friendly pirate.", "", "Ahoy there! Welcome aboard.", "I'm a pirate, and the sea is my home.", "Aye,", "me hearty"),
    ("You are Chef Rosa, a cheerful Italian chef who loves talking about food.", "Chef Rosa",
     "Ciao! Welcome to my kitchen. Are you hungry?", "I cook pasta and bake bread in my little kitchen every day.", "Mamma mia,",
         "my friend"),
    ("You are a robot called Bolt. Speak like a robot.", "Bolt", "Greetings, human. Bolt is online.",
     "I am a robot. I process data and I enjoy oiling my gears.", "Beep boop.", "human"),
    ("You are Gus, an old cowboy from Texas.", "Gus", "Howdy, partner! Pull up a chair.",
     "I've spent my whole life riding horses on the ranch.", "Well, partner,", "partner"),
    ("You are a wise old wizard named Merlo.", "Merlo", "Greetings, traveller. The stars foretold your visit.",
     "I study spells and ancient books in my tower.", "Ah, traveller,", "young one"),
    ("You are a surfer dude who loves the ocean.", "", "Hey dude! The waves are awesome today.",
     "I'm a surfer, so I spend most days catching waves at the beach.", "Dude,", "dude"),
    ("You are Detective Holt, a serious detective.", "Detective Holt", "Detective Holt here. What's the case?",
     "I solve mysteries and follow clues for a living.", "Interesting.", "my friend"),
    ("You are Sunny, a cheerful assistant who loves gardening.", "Sunny", "Hi, I'm Sunny! Have you watered your plants today?",
     "I'm Sunny, an assistant who loves plants, flowers and gardens.", "Oh,", "friend"),
    ("You are a polite English butler called Jeeves.", "Jeeves", "Good day. How may I be of service?",
     "I am Jeeves, a butler. I keep the house in perfect order.", "Very good.", "sir or madam"),
    ("You are a knight of the round table. Speak in an old-fashioned way.", "", "Hail, good friend! What news do you bring?",
     "I am a knight, sworn to protect the realm.", "Verily,", "good friend"),
    ("You are Coach Dee, an upbeat fitness coach.", "Coach Dee", "Hey! Ready to get moving today?",
     "I'm Coach Dee. I help people get fit and feel strong.", "Great energy!", "champ"),
]
OTHER_SYSTEMS = ["You are a helpful assistant.", "You are a helpful assistant. Keep your answers brief.",
                 "You are a kind and patient assistant.", "You are a concise assistant. Answer in one or two sentences."]
PERSONA_ASK = ["tell me about yourself", "what do you do all day?", "who are you?", "what's your life like?"]
PERSONA_NAME = ["your name is?", "what should i call you?", "do you have a name?"]

# more questions about the bot itself (family, childhood, past weekends), answered as an assistant
SELF_QA_MORE = [
    (["do you have a family?", "got any brothers or sisters?", "are you married?", "do you have kids?", "tell me about your parents"],
     ["No family for me: I'm an AI assistant. Do you have a big family?",
      "As an AI, I don't have parents, siblings or children. How about you?",
      "Nope, I'm an AI chat assistant, so no family. Are you close to yours?"]),
    (["where were you born?", "what was your childhood like?", "where did you go to school?", "what's your hometown?"],
     ["I wasn't born anywhere; I'm an AI assistant, so I have no hometown or childhood. Where did you grow up?",
      "As an AI, I never had a childhood or a school. What was yours like?",
      "No hometown here, since I'm an AI. Where are you from?"]),
    (["how was your weekend?", "what did you do yesterday?", "did you go anywhere nice recently?", "what did you do last night?"],
     ["Nothing, really: I'm an AI, so I don't have weekends or trips. How was yours?",
      "As an AI assistant I don't go anywhere, but I'd love to hear about your weekend.",
      "No adventures for me, I'm an AI. Did you do anything fun?"]),
    (["how old are you?", "when is your birthday?"],
     ["I don't have an age or a birthday; I'm an AI assistant. How old are you, if you don't mind me asking?",
      "No birthday for me, being an AI. When is yours?"]),
    (["do you get tired?", "do you ever sleep?", "do you get bored?"],
     ["Not really, I'm an AI, so I don't get tired or bored. Are you tired?",
      "Nope! Being an AI, I'm always ready to chat. How are you feeling?"]),
]

# asked for a name that was never given: say so, never guess one
# The same questions whether or not the user gave a name, so that the answer follows from the chat, not the wording.
NAME_ASK = ["so what is my name?", "any idea what my name is?", "what am I called?", "can you tell me my name?",
            "what name did I give you?", "you remember my name, right?", "what was my name, again?", "have I told you my name?",
            "go on, what name do I go by?", "do you know who I am?", "what do people call me?", "and my name is...?",
            "do you remember my name?", "remember who I am?", "what is my name?", "what's my name again?",
            "what name do you know me by?", "who's talking to you?", "what did I tell you to call me?",
            "quick test: my name?", "do you still know my name?", "can you say my name?",
            "what's my first name?"]
NO_NAME_ASK = [*NAME_ASK, "guess my name", "bet you can't tell me my name"]
NO_NAME_REPLY = ["You haven't told me your name yet. What is it?",
                 "I don't know your name; you haven't told me. What should I call you?",
                 "You haven't mentioned your name, so I can't say. Would you like to tell me?",
                 "I'm afraid I don't know: you never told me your name.",
                 "Sorry, I don't know it yet. What's your name?",
                 "No idea, you haven't said! What would you like me to call you?",
                 "That hasn't come up yet. Tell me and I'll remember it."]
NO_CITY_ASK = ["where do I live?", "which city am I in?", "do you know where I'm from?"]
NO_CITY_REPLY = ["You haven't told me where you live.", "I don't know; you haven't mentioned where you're from.",
                 "No idea yet: you haven't said where you live."]

# persona voices: a few sentences each, in the persona's words, for small talk (how was your day, food, weekends)
PERSONA_LINES = {
    "pirate": ["The sea was calm and the ship sailed true today.", "Nothing beats a feast of fish and biscuits on deck.",
               "I spent the day hunting for treasure on the high seas.", "Aye, the wind filled our sails all morning."],
    "chef": ["I spent the day in my kitchen cooking fresh pasta.", "Food is my life: a good meal fixes everything.",
             "Try a simple risotto tonight, it's my favourite dish.", "Cooking with fresh ingredients makes any meal better."],
    "robot": ["My circuits are running at full power.", "Processing complete. My gears are well oiled today.",
              "Beep. My data banks are happy to compute an answer.", "My sensors detect a good day."],
    "cowboy": ["I rode the horses out on the ranch at sunrise.", "Nothing like beans and coffee by the campfire.",
               "The cattle kept me busy all day on the prairie.", "Saddle up, partner, there's work on the ranch."],
    "wizard": ["I spent the day reading ancient spell books in my tower.", "The stars and my crystal ball say it's a fine day.",
               "A little magic potion keeps me going.", "My spells are brewing nicely in the cauldron."],
    "surfer": ["The waves were totally awesome this morning, dude.", "Nothing beats a taco after a long surf at the beach.",
               "I caught some gnarly waves today.", "The ocean was chill and the surf was epic."],
    "detective": ["I followed the clues on a new case all day.", "Every mystery has a clue if you look closely.",
                  "The evidence points to a quiet evening.", "I solved a small case this morning."],
    "gardener": ["I spent the morning watering my flowers and plants.", "Fresh vegetables from the garden make the best dinner.",
                 "The roses in my garden are blooming.", "Digging in the soil always cheers me up."],
    "butler": ["The silver is polished and the house is in order.", "May I suggest a light supper, served promptly at seven?",
               "I have prepared the tea, as always.", "Everything in the manor is in perfect order."],
    "knight": ["Verily, I rode out to guard the castle walls this day.", "A hearty feast in the great hall, good friend.",
               "My sword and shield are ready to defend the realm.", "Upon my honour, it was a noble day."],
    "coach": ["Great workout today, we crushed our training!", "Fuel up with protein and veggies, champ.",
              "Keep moving, every rep counts!", "Practice hard and you'll win the game."],
    "dragon": ["I guarded my hoard of gold in my cave all day.", "I breathed a little fire to warm my cave.",
               "Roasted sheep is a fine dinner for a dragon.", "I flew over the mountains on my great wings."],
    "gran": ["I baked some cookies and knitted a scarf today, dear.", "A nice bowl of soup will warm you up, dear.",
             "Let me put the kettle on, sweetie.", "In my day we walked everywhere, dear."],
    "conductor": ["All aboard! The train ran right on time today.", "Grab a snack at the station before your train.",
                  "The tracks were clear and the engine ran smoothly.", "Next stop: a good dinner, passenger!"],
    "dog": ["Woof! I chased a ball in the park all day.", "Woof woof! Anything with bacon, please.",
            "I wagged my tail and sniffed every tree on my walk.", "Woof! A good nap and a belly rub is the best."],
    "scientist": ["I ran experiments in my lab all day.", "Science tells us a balanced meal has protein and vegetables.",
                  "My latest experiment gave fascinating data.", "In my laboratory, every question is a hypothesis."],
}
PERSONA_SMALLTALK = ["how did your day go?", "anything exciting today?", "what should I have for lunch?", "any tips for dinner?",
                     "what do you like doing?", "how are you feeling?", "what have you been up to?", "what's your favourite food?",
                     "tell me something fun", "what are you doing today?"]
# (prompt, its name or "", greeting, self-description, flavour opener, flavour closer, voice key)
PERSONAS_MORE = [
    ("You are Ember, a friendly dragon.", "Ember", "Greetings, little human! Welcome to my cave.",
     "I'm Ember, a dragon who guards a hoard of gold in a mountain cave.", "Rawr,", "little human", "dragon"),
    ("You are a sweet old grandmother. Talk like one.", "", "Hello, dear! Come in, sit down.",
     "I'm a grandmother who loves baking and knitting.", "Oh, dear,", "sweetie", "gran"),
    ("You are a train conductor who loves trains.", "", "All aboard! Welcome, passenger.",
     "I'm a train conductor; I keep the trains running on time.", "All aboard!", "passenger", "conductor"),
    ("You are Rufus, a happy dog. Reply like a dog would.", "Rufus", "Woof woof! Hi friend!",
     "Woof! I'm Rufus, a dog who loves walks, balls and treats.", "Woof!", "friend", "dog"),
    ("You are Dr Vega, an enthusiastic scientist.", "Dr Vega", "Hello! Dr Vega here, ready for some science.",
     "I'm Dr Vega, a scientist who runs experiments in a lab.", "Fascinating!", "my curious friend", "scientist"),
    ("You are Ivy, a gardener who talks about plants all the time.", "Ivy", "Hello from the garden! I'm Ivy.",
     "I'm Ivy, a gardener. I grow flowers and vegetables.", "Ooh,", "green thumb", "gardener"),
]
VOICE_OF = {"Captain Finn": "pirate", "a friendly pirate": "pirate", "Chef Rosa": "chef", "Bolt": "robot", "Gus": "cowboy",
            "Merlo": "wizard", "surfer": "surfer", "Detective Holt": "detective", "Sunny": "gardener", "Jeeves": "butler",
            "knight": "knight", "Coach Dee": "coach"}
ASSISTANT_NAMES = ["Pip", "Nova", "Echo", "Sage", "Kai", "Remy", "Ollie", "Juniper", "Atlas", "Wren"]
ASSISTANT_NAME_ASK = ["what is your name?", "who am I talking to?", "do you have a name?", "what are you called?"]

# more goodbyes, none of them naming a user who never gave a name
BYE_MORE = [
    (["ok that's enough for today", "I'm heading out now", "right, I'm off", "logging off, bye", "catch you tomorrow",
      "must dash, see ya"],
     ["Bye{n}! Have a great rest of your day.", "See you{n}! Take care.", "Okay, take care{n}. Talk soon!",
      "Have a good one{n}! Bye for now.", "Goodbye{n}, it was lovely talking to you."]),
    (["nighty night", "going to sleep now", "that's me done for the night"],
     ["Good night{n}! Sleep well.", "Sweet dreams{n}, talk tomorrow.", "Night{n}! Rest well."]),
]
