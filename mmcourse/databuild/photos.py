"""Real photographs: scikit-image's bundled CC0 / public-domain samples, saved as JPEG.

scikit-image is a build-only dependency (the `data` extra); it is imported inside `build` so
the course never needs it at run time.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from .artifacts import Artifact, jpeg_bytes, write_bytes

# One row per photo: skimage loader name, target file, licence, credit, and the ground truth.
# Credits and licences are those in the skimage.data docstrings (scikit-image 0.22-0.26).
PHOTOS: list[dict] = [
    {
        "loader": "chelsea",
        "path": "photos/chelsea.jpg",
        "license": "CC0-1.0",
        "source": "scikit-image sample skimage.data.chelsea(); photograph by Stefan van der Walt (CC0)",
        "truth": {
            "caption": "A close-up photograph of a tabby cat's face with large green-yellow eyes, "
            "a pink nose and long white whiskers.",
            "category": "photo",
            "subjects": ["cat"],
            "colors": ["brown", "beige", "green", "white"],
            "facts": {
                "What animal is in the photo?": "a cat",
                "What colour are the cat's eyes?": "green-yellow",
                "What colour is the cat's nose?": "pink",
                "What kind of coat does the cat have?": "tabby (striped brown)",
                "Is the photo a close-up?": "yes",
            },
        },
    },
    {
        "loader": "coffee",
        "path": "photos/coffee.jpg",
        "license": "CC0-1.0",
        "source": "scikit-image sample skimage.data.coffee(); photograph by Rachel Michetti, "
        "courtesy of Pikolo Espresso Bar (CC0)",
        "truth": {
            "caption": "A cup of espresso with crema in a red-brown cup on a matching saucer, "
            "with a metal spoon, on a wooden table, seen from above.",
            "category": "photo",
            "subjects": ["espresso", "cup", "saucer", "spoon", "wooden table"],
            "colors": ["red-brown", "white", "brown", "silver"],
            "facts": {
                "What drink is shown?": "espresso (coffee)",
                "How many spoons are visible?": "1",
                "What is the table made of?": "wood",
                "What colour are the cup and saucer?": "red-brown",
                "Is the cup full or empty?": "full",
            },
        },
    },
    {
        "loader": "astronaut",
        "path": "photos/astronaut.jpg",
        "license": "Public domain (NASA)",
        "source": "scikit-image sample skimage.data.astronaut(); NASA portrait of astronaut "
        "Eileen Collins, NASA Great Images database, public domain",
        "truth": {
            "caption": "A portrait of astronaut Eileen Collins smiling in an orange spacesuit, "
            "with a United States flag on the left, a space shuttle model on the right and a "
            "helmet in the foreground.",
            "category": "photo",
            "subjects": ["astronaut", "spacesuit", "flag", "space shuttle model", "helmet"],
            "colors": ["orange", "red", "white", "blue", "black"],
            "facts": {
                "What colour is the spacesuit?": "orange",
                "Which flag is in the background?": "the United States flag",
                "What model stands on the right?": "a space shuttle",
                "Who is pictured?": "astronaut Eileen Collins",
                "Is the person smiling?": "yes",
            },
        },
    },
    {
        "loader": "rocket",
        "path": "photos/rocket.jpg",
        "license": "Public domain (SpaceX)",
        "source": "scikit-image sample skimage.data.rocket(); SpaceX photo of Falcon 9 with DSCOVR "
        "at Launch Complex 40, Cape Canaveral, released into the public domain by SpaceX",
        "truth": {
            "caption": "A white SpaceX Falcon 9 rocket standing on its launch pad at dusk between "
            "tall lattice towers, lit by bright pad lights under a deep blue sky.",
            "category": "photo",
            "subjects": ["rocket", "launch pad", "lattice towers", "lights"],
            "colors": ["dark blue", "white", "orange", "black"],
            "facts": {
                "Is the rocket flying or on the ground?": "on the launch pad (not yet launched)",
                "What time of day is it?": "dusk (twilight)",
                "What colour is the rocket?": "white",
                "What kind of rocket is it?": "a SpaceX Falcon 9",
                "What stands on either side of the rocket?": "lattice towers",
            },
        },
    },
]


def build(out_dir: Path) -> list[Artifact]:
    """Save each sample photo as a metadata-free JPEG and return its manifest artifacts."""
    import skimage.data  # build-only dependency (the `data` extra)

    artifacts = []
    for spec in PHOTOS:
        pixels = getattr(skimage.data, spec["loader"])()
        write_bytes(out_dir, spec["path"], jpeg_bytes(Image.fromarray(pixels), quality=90))
        artifacts.append(
            Artifact(
                path=spec["path"],
                kind="photo",
                mime="image/jpeg",
                truth=spec["truth"],
                license=spec["license"],
                source=spec["source"],
            )
        )
    return artifacts
