// Box losses: show the engine's losses and box edges for the three sliders
// (lossdocs/widgets/boxes.py computed every state). Only indexing here.
// Named args: atlas, sl_x, sl_y, sl_s, src_pred, src_hull, src_curves, now, plane, where.

const nx = atlas.dx.length
const ny = atlas.dy.length
const s = atlas.sizes.indexOf(sl_s.value)
const ix = atlas.dx.indexOf(sl_x.value)
const iy = atlas.dy.indexOf(sl_y.value)
const jx = s * nx + ix
const jy = s * ny + iy
src_pred.data = {left: [atlas.x1[jx]], right: [atlas.x2[jx]], bottom: [atlas.y1[jy]], top: [atlas.y2[jy]]}
src_hull.data = {left: [atlas.cx1[jx]], right: [atlas.cx2[jx]], bottom: [atlas.cy1[jy]], top: [atlas.cy2[jy]]}
const start = (s * ny + iy) * nx
src_curves.data = {dx: atlas.dx, iou: atlas.iou.slice(start, start + nx), giou: atlas.giou.slice(start, start + nx),
  l1: atlas.l1.slice(start, start + nx)}
now.location = sl_x.value
const i = start + ix
plane.title.text = `IoU loss ${atlas.iou[i].toFixed(3)} · GIoU loss ${atlas.giou[i].toFixed(3)} · L1 ${atlas.l1[i].toFixed(3)}`
where.text = atlas.iou[i] < 1 ? "The boxes overlap" : "No overlap: IoU loss flat at 1, GIoU still slopes"
