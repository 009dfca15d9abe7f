# A helper module imported by stdlib_and_helper.py from the same directory.
def centre_reward(params):
    return 1.0 if params['distance_from_center'] <= 0.25 * params['track_width'] else 0.1
