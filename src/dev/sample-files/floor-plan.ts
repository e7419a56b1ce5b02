// "Floor plan.png": a 600x400 office floor plan (three rooms on a grid, doors, printers, a table and
// stairs),
// drawn in code so the sample is a real, printable image with shapes a person can check on paper.

import { encodePng, Raster, type Rgb } from './png.js';

const WIDTH = 600;
const HEIGHT = 400;
const WALL = 6;
const GRID: Rgb = [210, 225, 245];
const WALL_COLOUR: Rgb = [30, 30, 30];
const ROOMS: Array<{ x: number; y: number; w: number; h: number; colour: Rgb }> = [
  { x: 30, y: 30, w: 220, h: 340, colour: [255, 244, 200] }, // open office
  { x: 250, y: 30, w: 320, h: 170, colour: [210, 240, 210] }, // meeting room
  { x: 250, y: 200, w: 320, h: 170, colour: [250, 215, 220] }, // stairs and storage
];

export function floorPlanPng(): Buffer {
  const plan = new Raster(WIDTH, HEIGHT);
  for (let x = 0; x < WIDTH; x += 20) plan.fillRect(x, 0, 1, HEIGHT, GRID);
  for (let y = 0; y < HEIGHT; y += 20) plan.fillRect(0, y, WIDTH, 1, GRID);
  for (const room of ROOMS) {
    plan.fillRect(room.x, room.y, room.w + WALL, room.h + WALL, WALL_COLOUR);
    plan.fillRect(room.x + WALL, room.y + WALL, room.w - WALL, room.h - WALL, room.colour);
  }
  // Doors: gaps in the walls, filled with the colour of the room they open into.
  plan.fillRect(250, 100, WALL, 50, ROOMS[1]?.colour ?? WALL_COLOUR);
  plan.fillRect(250, 280, WALL, 50, ROOMS[2]?.colour ?? WALL_COLOUR);
  plan.fillRect(100, 370, 60, WALL, [255, 255, 255]);
  // Meeting table and chairs.
  plan.fillCircle(410, 115, 45, [150, 105, 60]);
  for (const [cx, cy] of [
    [410, 52],
    [410, 178],
    [347, 115],
    [473, 115],
  ] as const) {
    plan.fillCircle(cx, cy, 10, [60, 90, 160]);
  }
  // Stairs: alternating stripes.
  for (let step = 0; step < 10; step++) {
    plan.fillRect(480, 220 + step * 14, 70, 7, step % 2 === 0 ? [120, 120, 120] : [190, 190, 190]);
  }
  // Printers along the open office wall.
  for (let i = 0; i < 4; i++) plan.fillRect(60, 60 + i * 75, 50, 35, [70, 70, 90]);
  return encodePng(plan);
}
